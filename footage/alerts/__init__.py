"""Alert rules, their pure decisions, and the record of every alert and delivery."""
