"""Pictures for the news: fetched from Google Drive (form uploads) or the saved e-mail
attachments, cleaned of every piece of metadata, resized and put on the news board."""
