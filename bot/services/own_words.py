"""The words of /quiz for a group's own questions (bot.services.own_questions), apart from that module so that
registering the commands needs neither pydantic nor the pack's models (`clio ask` loads every command)."""

ACTIONS = ("add", "questions", "remove", "import")
OWN_WORDS = ("mine", "own")  # /quiz start mine [TOPIC]: only the group's own questions
ADD_USAGE = "/quiz add QUESTION | ANSWER | OPTION; OPTION; OPTION [| ACCEPTED; FORMS] [| TOPIC]"
ADD_EXAMPLE = ("/quiz add Which reading did the group start with? | The first one | "
               "The second one; The third one; None of them | first | our readings")
