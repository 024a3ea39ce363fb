"""Real protocol servers on 127.0.0.1 for the mail transports' tests: SMTP (aiosmtpd), EWS and Graph emulators."""
