"""Mail transports: the embedded outbox folder and SMTP."""
