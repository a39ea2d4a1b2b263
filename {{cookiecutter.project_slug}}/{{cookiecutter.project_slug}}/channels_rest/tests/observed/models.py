"""A small blog: topics, tags and posts with the field types that trouble channel layers.

``Post`` has a UUID primary key, a Decimal and a datetime, which msgpack (the
Redis layer's encoding) cannot pack as they are.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models


class Topic(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Tag(models.Model):
    name = models.CharField(max_length=100)

    def __str__(self):
        return self.name


class Post(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE)
    title = models.CharField(max_length=100)
    status = models.CharField(max_length=10, default="draft")
    price = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0.00"))
    published_at = models.DateTimeField(null=True, blank=True)
    tags = models.ManyToManyField(Tag, related_name="posts", blank=True)

    def __str__(self):
        return self.title
