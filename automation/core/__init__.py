"""The publishing pipeline: knows nothing of Google, SMTP or IMAP."""
