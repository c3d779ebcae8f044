"""calsync: the calendar-sync backend of a CRM."""
