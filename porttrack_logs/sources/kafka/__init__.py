"""The `kafka` input: a consumer group member (kafka-python or confluent-kafka) committing offsets after delivery."""

from .config import ConsumerPlan, KafkaInput
from .source import KafkaSource, KafkaStats

__all__ = ["KafkaInput", "ConsumerPlan", "KafkaSource", "KafkaStats"]
