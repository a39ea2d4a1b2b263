"""Websockets through AWS API Gateway: the gateway holds the sockets, Django serves its events over HTTP."""
