"""Services: read the index and answer with neutral replies (lookup; later on-this-day, quiz, schedule)."""
