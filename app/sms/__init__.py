"""SMS check-ins for patients without a smartphone: the questions, and lenient reply parsing."""
