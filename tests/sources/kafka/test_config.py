"""The kafka input's settings: Logstash's defaults and aliases, what maps onto each backend, what is a clear error."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from porttrack_logs.errors import ConfigError
from porttrack_logs.sources.kafka import KafkaInput
from porttrack_logs.sources.settings import INPUTS
from porttrack_logs.sources.settings import KafkaInput as ReExported

PEM_CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
PEM_KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


def test_settings_re_exports_the_kafka_input():
    """sources.settings and the pipeline compiler see the model of the kafka room."""
    assert ReExported is KafkaInput and INPUTS["kafka"] is KafkaInput


def test_logstash_defaults_and_ours():
    """Logstash's defaults; json codec and the kafka-python backend here."""
    s = KafkaInput()
    assert (s.bootstrap_servers, s.topics, s.group_id, s.client_id) == ("localhost:9092", ["logstash"], "logstash", "logstash")
    assert (s.consumer_threads, s.max_poll_records, s.session_timeout_ms, s.auto_commit_interval_ms) == (1, 500, 10000, 5000)
    assert s.decorate_events == "none" and s.security_protocol == "PLAINTEXT" and s.backend == "kafka-python"
    plan = s.plan()
    assert plan.codec == "json"
    options = plan.kafka_python()
    assert options["enable_auto_commit"] is False and options["auto_offset_reset"] == "latest"
    assert options["bootstrap_servers"] == ["localhost:9092"] and options["session_timeout_ms"] == 10000
    props = plan.librdkafka()
    assert props["enable.auto.commit"] is False and props["enable.auto.offset.store"] is False
    assert props["security.protocol"] == "plaintext" and props["auto.offset.reset"] == "latest"


@pytest.mark.parametrize("given, expected", [(True, "basic"), (False, "none"), ("true", "basic"), ("extended", "extended")])
def test_decorate_events_boolean_aliases(given, expected):
    """decorate_events takes Logstash's deprecated true/false as basic/none."""
    assert KafkaInput(decorate_events=given).decorate_events == expected


def test_unknown_option_and_bad_values_fail():
    with pytest.raises(ValidationError):
        KafkaInput(no_such_option=1)
    with pytest.raises(ValidationError):
        KafkaInput(backend="librdkafka")
    with pytest.raises(ConfigError, match="max_batches_in_flight"):
        KafkaInput(max_batches_in_flight=0).plan()
    with pytest.raises(ConfigError, match="topics_pattern"):
        KafkaInput(topics_pattern="([").plan()
    with pytest.raises((ConfigError, ValidationError), match="codec"):  # a codec the project lacks: refused when validated
        KafkaInput(codec="avro").plan()


def test_enable_auto_commit_written_out_is_a_warning_and_stays_off():
    """Auto commit would acknowledge before delivery: it is ignored, and check says so only when it is written out."""
    assert KafkaInput().warnings() == []
    written = KafkaInput(enable_auto_commit=True)
    assert any("enable_auto_commit" in w for w in written.warnings())
    assert written.plan().kafka_python()["enable_auto_commit"] is False
    assert KafkaInput(enable_auto_commit=False).warnings() == []


def test_plain_codec_with_options_keeps_its_name():
    assert KafkaInput(codec={"plain": {"charset": "UTF-8"}}).plan().codec == "plain"


@pytest.mark.parametrize("option", ["schema_registry_url", "sasl_login_callback_handler_class", "kerberos_config"])
def test_java_only_options_are_errors(option):
    with pytest.raises(ConfigError) as caught:
        KafkaInput(**{option: "x"}).plan()
    assert caught.value.option == option


def test_java_deserializer_is_an_error():
    with pytest.raises(ConfigError, match="deserializers"):
        KafkaInput(value_deserializer_class="io.confluent.kafka.serializers.KafkaAvroDeserializer").plan()


def test_sasl_jaas_config_maps_to_username_and_password():
    s = KafkaInput(
        security_protocol="SASL_SSL",
        sasl_mechanism="SCRAM-SHA-512",
        sasl_jaas_config="org.apache.kafka.common.security.scram.ScramLoginModule required username='svc' password=\"p;w d\";",
    )
    options, props = s.plan().kafka_python(), s.plan().librdkafka()
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == ("SCRAM-SHA-512", "svc", "p;w d")
    assert (props["sasl.mechanism"], props["sasl.username"], props["sasl.password"]) == ("SCRAM-SHA-512", "svc", "p;w d")
    assert props["security.protocol"] == "sasl_ssl" and props["ssl.endpoint.identification.algorithm"] == "https"


def test_jaas_path_kafka_client_entry(tmp_path):
    jaas = tmp_path / "jaas.conf"
    jaas.write_text('KafkaClient {\n  org.apache.kafka.common.security.plain.PlainLoginModule required\n  username="a" password="b";\n};\n')
    options = KafkaInput(security_protocol="SASL_PLAINTEXT", sasl_mechanism="PLAIN", jaas_path=str(jaas)).plan().kafka_python()
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == ("a", "b")


def test_sasl_mistakes_are_named():
    with pytest.raises(ConfigError, match="needs credentials"):
        KafkaInput(security_protocol="SASL_SSL", sasl_mechanism="PLAIN").plan()
    with pytest.raises(ConfigError, match="cannot run here"):
        KafkaInput(security_protocol="SASL_SSL", sasl_mechanism="PLAIN", sasl_jaas_config="com.example.Custom required;").plan()
    with pytest.raises(ConfigError, match="does not go with"):
        KafkaInput(
            security_protocol="SASL_SSL", sasl_mechanism="PLAIN",
            sasl_jaas_config="org.apache.kafka.common.security.scram.ScramLoginModule required username='a' password='b';",
        ).plan()
    with pytest.raises(ConfigError, match="sasl_mechanism"):
        KafkaInput(security_protocol="SASL_SSL", sasl_mechanism="OAUTHBEARER").plan()


def test_pem_truststore_and_keystore_map_onto_both_backends(tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text(PEM_CERT)
    client = tmp_path / "client.pem"
    client.write_text(PEM_KEY + PEM_CERT)
    s = KafkaInput(
        security_protocol="SSL", ssl_truststore_location=str(ca), ssl_keystore_location=str(client),
        ssl_key_password="k", ssl_endpoint_identification_algorithm="",
    )
    options, props = s.plan().kafka_python(), s.plan().librdkafka()
    assert (options["ssl_cafile"], options["ssl_certfile"], options["ssl_keyfile"], options["ssl_password"]) == (str(ca), str(client), str(client), "k")
    assert options["ssl_check_hostname"] is False
    assert (props["ssl.ca.location"], props["ssl.certificate.location"], props["ssl.key.location"]) == (str(ca), str(client), str(client))
    assert props["ssl.endpoint.identification.algorithm"] == "none"


def test_java_keystore_is_a_clear_error(tmp_path):
    """A JKS truststore (binary, not PEM) is refused with the conversion to do."""
    jks = tmp_path / "truststore.jks"
    jks.write_bytes(b"\xfe\xed\xfe\xed\x00\x00\x00\x02binary")
    with pytest.raises(ConfigError) as caught:
        KafkaInput(security_protocol="SSL", ssl_truststore_location=str(jks)).plan()
    assert caught.value.option == "ssl_truststore_location"
    assert "Java keystore" in str(caught.value) and "openssl" in str(caught.value)
    with pytest.raises(ConfigError, match="does not exist"):
        KafkaInput(security_protocol="SSL", ssl_truststore_location=str(tmp_path / "missing.pem")).plan()


def test_pkcs12_keystore_only_on_confluent(tmp_path):
    store = tmp_path / "client.p12"
    store.write_bytes(b"0\x82\x05binary")
    s = dict(security_protocol="SSL", ssl_keystore_location=str(store), ssl_keystore_type="PKCS12", ssl_keystore_password="pw")
    props = KafkaInput(backend="confluent", **s).plan().librdkafka()
    assert (props["ssl.keystore.location"], props["ssl.keystore.password"]) == (str(store), "pw")
    with pytest.raises(ConfigError, match="PKCS12"):
        KafkaInput(**s).plan()


def test_keystore_without_a_private_key_is_an_error(tmp_path):
    cert = tmp_path / "cert.pem"
    cert.write_text(PEM_CERT)
    with pytest.raises(ConfigError, match="no private key"):
        KafkaInput(security_protocol="SSL", ssl_keystore_location=str(cert)).plan()


def test_assignment_strategies_map():
    assert KafkaInput(partition_assignment_strategy="round_robin").plan().librdkafka()["partition.assignment.strategy"] == "roundrobin"
    (assignor,) = KafkaInput(partition_assignment_strategy="cooperative_sticky").plan().kafka_python()["partition_assignment_strategy"]
    assert assignor.__name__ == "CooperativeStickyAssignor"
    with pytest.raises(ConfigError, match="partition_assignment_strategy"):
        KafkaInput(partition_assignment_strategy="fancy").plan()
