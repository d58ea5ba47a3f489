"""What keeps partner data true: review of new partners' first offers,
"Angaben geprüft" in one tap, reminders of stale offers and problem reports
from the street. Framework glue lives in views/partners.py and logic.py."""
