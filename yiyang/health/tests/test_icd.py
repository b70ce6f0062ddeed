"""Diagnoses are coded in WHO ICD-10 until the licensed 国家临床版 table is loaded."""

import pytest
from django.core.management import call_command

from yiyang.core.errors import ServiceError
from yiyang.health import icd, services


def test_the_interim_table_is_who_icd10_only_and_covers_dementia_and_the_chronic_diseases_of_age():
    """WHO ICD-10 (第十次修订本) codes are a category (I10) or a one-digit subcategory (E11.9); ICD-10-CM
    extensions such as E11.319 are not WHO codes. Input: the shipped table → every code matches the WHO
    pattern; F00–F03 (痴呆) and the chronic diseases of older people are there; E11.319 is not; the
    table is labelled interim."""
    table = icd.codes()
    assert icd.is_interim()
    assert all(icd.WHO_CODE.match(code) for code in table), [c for c in table if not icd.WHO_CODE.match(c)]
    for code in (
        "F00.9",
        "F01.9",
        "F02.3",
        "F03",
        "I10",
        "E11.9",
        "I63.9",
        "I25.9",
        "J44.9",
        "G20",
        "M81.9",
        "N18.9",
    ):
        assert code in table, code
    assert icd.lookup("E11.319") is None
    assert table["F03"].name == "痴呆"


def test_an_icd10_cm_code_is_refused_on_the_problem_list(users, fresh_elder):
    with pytest.raises(ServiceError) as exc:
        services.add_diagnosis(fresh_elder(), acting_user=users["doctor_sj"], icd10_code="E11.319")
    assert exc.value.code == "UNKNOWN_ICD10"


def test_the_national_clinical_edition_loader_replaces_the_interim_table(tmp_path, settings):
    """The 国家临床版 2.0 file (xlsx/csv with 编码 and 名称 columns) is installed by ``manage.py load_icd10``
    and read instead of the interim table."""
    source = tmp_path / "国家临床版2.0.csv"
    source.write_text("诊断编码,诊断名称\nI10.x00,高血压\nE11.900,2型糖尿病\n", encoding="utf-8")
    settings.ICD10_TABLE = str(tmp_path / "icd10_national.tsv")
    try:
        call_command("load_icd10", str(source))
        assert not icd.is_interim()
        assert icd.lookup("I10.X00").name == "高血压"
    finally:
        settings.ICD10_TABLE = str(tmp_path / "absent.tsv")
        icd._codes.cache_clear()
    assert icd.is_interim()
