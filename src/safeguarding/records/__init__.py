"""Records management (DPA 2018 Part 3, MoPI): the retention schedule, reviews and subject access."""
