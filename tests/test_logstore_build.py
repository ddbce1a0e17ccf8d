"""logstore/ (the jobs' Delta log store, a Maven build) agrees with the Python side that ships it
and with the local runtime that provides its dependencies."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

from orchestration.bundle import LOGSTORE_JAR
from shared.spark import AWS_SDK_V2_VERSION, S3A_PACKAGES

ROOT = Path(__file__).resolve().parent.parent
POM = ET.parse(ROOT / "logstore" / "pom.xml").getroot()
NS = {"m": "http://maven.apache.org/POM/4.0.0"}


def pom(path: str) -> str:
    return POM.find(path, NS).text


def test_the_local_runtime_provides_the_sdk_version_the_log_store_compiles_against():
    assert pom("m:properties/m:awssdk.version") == AWS_SDK_V2_VERSION
    assert f"software.amazon.awssdk:s3:{AWS_SDK_V2_VERSION}" in S3A_PACKAGES


def test_the_deploy_and_make_name_the_jar_maven_builds():
    built = f"{pom('m:artifactId')}-{pom('m:version')}.jar"
    assert LOGSTORE_JAR.name == built
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(rf"^LOGSTORE_JAR := logstore/target/{re.escape(built)}$", makefile, re.M)


def test_every_dependency_is_provided_by_glue():
    scopes = {
        d.find("m:artifactId", NS).text: d.find("m:scope", NS).text
        for d in POM.iterfind(".//m:dependency", NS)
    }
    assert scopes and set(scopes.values()) == {"provided"}, scopes
