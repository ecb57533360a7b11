"""Newsletter: the email command, which sends a day's built email edition as one message.

Each build writes a day's edition as two files (output/edition.py); this package reads them
back from the output folder (message), makes one multipart/alternative message with the
standard library's email package (message), and writes it to a file or sends it over SMTP
(send). command.py holds the command's whole run in one function, email_edition.

May import: output, content and the core.
"""
