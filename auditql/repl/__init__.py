"""The interactive shell: the session, its dot-commands (special/), highlighting, saved queries."""
