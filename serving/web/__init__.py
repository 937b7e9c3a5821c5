"""Staff web pages (Korean first, English available), served by the same app and authorisation."""
