"""Region codes and the demo county: real data, prefix subtrees, a plausible population."""

from collections import Counter

from yiyang.core import crypto
from yiyang.core.identity import parse_id_number
from yiyang.core.models import Elder, Institution, InstitutionKind, Region
from yiyang.core.regions import level_of, normalise_code, subtree_prefix, subtree_range
from yiyang.core.regions_data import read_rows


def test_code_levels_and_prefixes():
    assert level_of("520000000000") == "province"
    assert level_of("520600000000") == "city"
    assert level_of("520621000000") == "county"
    assert level_of("520621102000") == "township"
    assert level_of("520621102001") == "village"
    assert subtree_prefix("520621000000") == "520621"
    assert normalise_code("520621") == "520621000000"


def test_subtree_range_holds_exactly_the_codes_with_the_prefix():
    assert subtree_range("520000000000") == ("520000000000", "529999999999")
    assert subtree_range("520621000000") == ("520621000000", "520621999999")
    assert subtree_range("520621102000") == ("520621102000", "520621102999")
    assert subtree_range("520621102001") == ("520621102001", "520621102001")
    codes = [r["code"] for r in read_rows()]
    for parent in ("520000000000", "520621000000", "520621102000"):
        low, high = subtree_range(parent)
        prefix = subtree_prefix(parent)
        assert {c for c in codes if low <= c <= high} == {c for c in codes if c.startswith(prefix)}


def test_shipped_table_has_every_province_and_jiangkou_down_to_villages():
    rows = read_rows()
    levels = Counter(r["level"] for r in rows)
    assert levels["province"] == 31 and levels["county"] > 2800
    codes = {r["code"] for r in rows}
    assert all(r["parent_code"] in codes for r in rows if r["parent_code"])
    towns = {r["name"] for r in rows if r["parent_code"] == "520621000000"}
    assert {"双江街道", "凯德街道", "太平镇", "闵孝镇"} <= towns
    assert all(r["code"].startswith("520621") for r in rows if r["level"] in ("township", "village"))


def test_region_subtree_is_a_prefix_query(demo_db):
    county = Region.objects.get(code="520621000000")
    assert county.name == "江口县" and county.parent.name == "铜仁市"
    under = Region.objects.filter(code__startswith=county.prefix).exclude(code=county.code)
    assert under.count() == Region.objects.filter(parent__parent=county).count() + county.children.count()


def test_demo_county_has_the_institutions_its_plan_names(demo_db):
    names = set(Institution.objects.values_list("name", flat=True))
    assert {
        "江口县人民医院",
        "江口县中医医院",
        "江口县双江街道中心卫生院",
        "江口县凯德街道中心卫生院",
        "江口县太平镇卫生院",
    } <= names
    kinds = set(Institution.objects.values_list("kind", flat=True))
    assert {
        InstitutionKind.ELDERCARE_HOME,
        InstitutionKind.DAY_CARE_CENTRE,
        InstitutionKind.VILLAGE_CLINIC,
    } <= kinds
    assert Institution.objects.get(name="江口县人民医院").grade == "2"


def test_demo_elders_have_valid_ids_born_in_the_county_and_a_plausible_age_pyramid(demo_db, today):
    elders = list(Elder.objects.all())
    ages = Counter()
    for e in elders:
        facts = parse_id_number(crypto.decrypt(e.id_number_encrypted))
        assert facts.address_code in ("520621", "522221")
        assert (facts.birth_date, facts.sex) == (e.birth_date, e.sex)
        ages[min(e.age_on(today) // 10 * 10, 90)] += 1
        assert e.age_on(today) >= 60
    assert ages[60] > ages[70] > ages[80] > ages[90] > 0


def test_institution_uscc_is_checked_by_gb32100(demo_db):
    from django.core.exceptions import ValidationError

    inst = Institution.objects.get(name="江口县人民医院")
    inst.full_clean()  # the demo's codes carry valid check characters
    inst.uscc = inst.uscc[:-1] + ("0" if inst.uscc[-1] != "0" else "1")
    try:
        inst.full_clean()
    except ValidationError as exc:
        assert "uscc" in exc.message_dict
    else:
        raise AssertionError("a wrong check character was accepted")
