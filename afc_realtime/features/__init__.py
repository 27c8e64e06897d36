"""Features afc can add and remove. Each is a recipe that turns a detected project into a plan."""
