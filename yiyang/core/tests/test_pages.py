"""The registry pages as a user meets them: Chinese, role-aware, field errors named, nothing half-saved."""

import io

from openpyxl import load_workbook

from yiyang.core import crypto
from yiyang.core.identity import with_check_digit
from yiyang.core.models import Elder
from yiyang.core.pinyin import name_initials


def test_login_page_is_chinese_and_login_leads_home(demo_db):
    from django.test import Client

    c = Client()
    assert "登录" in c.get("/accounts/login/").content.decode()
    r = c.post("/accounts/login/", {"username": "wjj", "password": "yiyang123"}, follow=True)
    html = r.content.decode()
    assert r.status_code == 200 and "老年人" in html


def test_navigation_follows_the_role(client_for):
    doctor = client_for("doctor_sj").get("/").content.decode()
    officer = client_for("wjj").get("/").content.decode()
    admin = client_for("sysadmin").get("/").content.decode()
    assert "/elders/new/" in doctor
    assert "/elders/new/" not in officer and "/elders/" in officer
    assert "/elders/" not in admin and "/admin/" in admin


def test_search_by_pinyin_initials_lists_the_elder(client_for, sj_elder):
    c = client_for("doctor_sj")
    html = c.get("/elders/", {"q": name_initials(sj_elder.name)[0]}).content.decode()
    assert f"/elders/{sj_elder.pk}/" in html
    partial = c.get("/elders/", {"q": sj_elder.name}, HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial and f"/elders/{sj_elder.pk}/" in partial


def test_bad_filter_values_do_not_crash_the_list(client_for):
    r = client_for("wjj").get("/elders/", {"region": "abc", "age_band": "zz", "page": "x"})
    assert r.status_code == 200
    assert "区划" in r.content.decode()


def test_detail_shows_id_masked_until_revealed(client_for, sj_elder):
    c = client_for("doctor_sj")
    html = c.get(f"/elders/{sj_elder.pk}/").content.decode()
    clear = crypto.decrypt(sj_elder.id_number_encrypted)
    assert sj_elder.id_number_masked in html and clear not in html
    r = c.post(
        f"/elders/{sj_elder.pk}/reveal/", {"field": "id_number", "reason": "签约核对"}, HTTP_HX_REQUEST="true"
    )
    assert r.status_code == 200 and clear in r.content.decode()
    refused = c.post(
        f"/elders/{sj_elder.pk}/reveal/", {"field": "id_number", "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert refused.status_code == 422 and clear not in refused.content.decode()


def test_register_form_names_the_wrong_field_in_chinese_and_saves_nothing(client_for):
    c = client_for("doctor_sj")
    before = Elder.objects.count()
    r = c.post(
        "/elders/new/",
        {
            "name": "张三丰",
            "id_number": with_check_digit("52062119480315001")[:-1] + "0",
            "region": "520621001001",
            "living_situation": "alone",
            "residence_status": "registered_resident",
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "5",
        },
    )
    html = r.content.decode()
    assert r.status_code == 200 and "身份证号" in html and "校验码" in html
    assert Elder.objects.count() == before


def test_register_form_creates_and_redirects_to_the_record(client_for):
    c = client_for("doctor_sj")
    r = c.post(
        "/elders/new/",
        {
            "name": "张三丰",
            "id_number": with_check_digit("52062119480315001"),
            "region": "520621001001",
            "living_situation": "alone",
            "residence_status": "registered_resident",
            "categories": ["low_income"],
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "5",
            "contacts-0-name": "张翠山",
            "contacts-0-relation": "儿子",
            "contacts-0-phone": "13900001111",
        },
    )
    elder = Elder.objects.get(name="张三丰")
    assert r.status_code == 302 and r["Location"] == f"/elders/{elder.pk}/"
    assert elder.emergency_contacts.get().phone_masked == "139****1111"


def test_edit_keeps_personal_fields_left_blank(client_for, sj_elder):
    c = client_for("doctor_sj")
    form = c.get(f"/elders/{sj_elder.pk}/edit/").content.decode()
    assert crypto.decrypt(sj_elder.id_number_encrypted) not in form  # never sent in clear
    number = crypto.decrypt(sj_elder.id_number_encrypted)
    r = c.post(
        f"/elders/{sj_elder.pk}/edit/",
        {
            "name": sj_elder.name,
            "id_number": "",
            "phone": "",
            "address": "",
            "region": sj_elder.region_id,
            "living_situation": "empty_nest",
            "managing_institution": sj_elder.managing_institution_id,
            "residence_status": sj_elder.residence_status,
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "0",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "5",
        },
    )
    assert r.status_code == 302, r.content.decode()[:2000]
    sj_elder.refresh_from_db()
    assert sj_elder.living_situation == "empty_nest"
    assert crypto.decrypt(sj_elder.id_number_encrypted) == number


def test_export_is_an_excel_file_of_masked_rows_for_officers(client_for):
    r = client_for("wjj").get("/elders/export.xlsx", {"category": "destitute"})
    assert r.status_code == 200
    rows = list(load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "姓名" and len(rows) > 1
    assert all("********" in row[4] for row in rows[1:])
    assert client_for("doctor_sj").get("/elders/export.xlsx").status_code == 403


def test_region_tree_and_institution_pages(client_for):
    c = client_for("wjj")
    tree = c.get("/regions/").content.decode()
    assert "江口县" in tree
    towns = c.get("/regions/", {"parent": "520621000000"}, HTTP_HX_REQUEST="true").content.decode()
    assert "双江街道" in towns and "太平镇" in towns
    insts = c.get("/institutions/").content.decode()
    assert "江口县人民医院" in insts and "江口县社会福利院" in insts


def test_unknown_pages_are_a_chinese_404(client_for):
    r = client_for("wjj").get("/elders/99999999/")
    assert r.status_code == 404 and "未找到" in r.content.decode()


def test_edit_keeps_emergency_contacts_whose_phone_is_left_blank(client_for, sj_elder):
    """Contact phones are not sent to the browser; posting the contact back unchanged keeps it."""
    from yiyang.core.models import EmergencyContact

    contact = EmergencyContact.objects.filter(elder=sj_elder).first() or EmergencyContact.objects.create(
        elder=sj_elder,
        name="杨大明",
        relation="儿子",
        phone_encrypted=crypto.encrypt("13900001234"),
        phone_masked="139****1234",
    )
    stored_phone = crypto.decrypt(contact.phone_encrypted)
    r = client_for("doctor_sj").post(
        f"/elders/{sj_elder.pk}/edit/",
        {
            "name": sj_elder.name,
            "region": sj_elder.region_id,
            "living_situation": sj_elder.living_situation,
            "residence_status": sj_elder.residence_status,
            "managing_institution": sj_elder.managing_institution_id,
            "contacts-TOTAL_FORMS": "2",
            "contacts-INITIAL_FORMS": "1",
            "contacts-MIN_NUM_FORMS": "0",
            "contacts-MAX_NUM_FORMS": "5",
            "contacts-0-name": contact.name,
            "contacts-0-relation": contact.relation,
            "contacts-0-phone": "",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    kept = EmergencyContact.objects.get(elder=sj_elder, name=contact.name)
    assert crypto.decrypt(kept.phone_encrypted) == stored_phone


def test_eldercare_admin_editing_a_resident_keeps_the_managing_health_centre(api_for, users):
    from yiyang.core.scoping import scope_elders

    resident = scope_elders(users["yly_admin"]).exclude(managing_institution=None).order_by("pk").first()
    centre = resident.managing_institution_id
    r = api_for("yly_admin").patch(f"/api/v1/elders/{resident.pk}", {"ethnicity": "汉族"})
    assert r.status_code == 200, r.content
    resident.refresh_from_db()
    assert resident.managing_institution_id == centre and resident.ethnicity == "汉族"


def test_a_change_that_moves_the_elder_out_of_the_editors_area_is_refused(api_for, sj_elder):
    from yiyang.core.models import Institution

    other = Institution.objects.get(name="江口县太平镇卫生院")
    r = api_for("doctor_sj").patch(f"/api/v1/elders/{sj_elder.pk}", {"managing_institution_id": other.pk})
    assert r.status_code == 422
    sj_elder.refresh_from_db()
    assert sj_elder.managing_institution.name == "江口县双江街道中心卫生院"


def test_exporting_by_id_number_never_writes_the_number_into_the_audit_trail(client_for, sj_elder):
    from yiyang.core.models import AuditEvent

    number = crypto.decrypt(sj_elder.id_number_encrypted)
    client_for("wjj").get("/elders/export.xlsx", {"q": number})
    event = AuditEvent.objects.filter(action="export", object_id=str(sj_elder.pk)).latest("id")
    assert number not in str(event.changes) and number not in event.reason
