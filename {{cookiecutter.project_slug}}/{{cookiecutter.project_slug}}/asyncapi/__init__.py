"""The websocket API documented as AsyncAPI 3.0, generated from the consumers, with a try-it-out console."""
