"""Channel setup in the admin settings: each channel's fields, validated; the webhook URL to
register at the provider; a connection test that tries the provider or the mail servers."""
