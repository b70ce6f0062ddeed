"""The demo logins of the registry's roles (the health app's demo adds its team logins).

Run by :func:`yiyang.core.demo.load_demo` after the registry's loader, so the institutions the logins
are bound to exist. Every login's password is :data:`yiyang.core.demo.DEMO_PASSWORD`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from yiyang.core.demo import COUNTY, DEMO_PASSWORD
from yiyang.core.models import Institution

from .models import RoleAssignment, User


@dataclass(frozen=True)
class DemoUser:
    username: str
    display_name: str
    role: str
    region: str | None = None
    institution: str | None = None
    is_staff: bool = False


DEMO_USERS = [
    DemoUser("wjj", "县卫生健康局 王局", "health_officer", region=COUNTY),
    DemoUser("mzj", "县民政局 李科长", "civil_officer", region=COUNTY),
    # The city commission reviews the county's 示范县 self-assessment (four eyes).
    DemoUser("swjw", "铜仁市卫生健康局 审核员", "health_officer", region="520600000000"),
    DemoUser("doctor_sj", "双江街道中心卫生院 杨医生", "clinician", institution="江口县双江街道中心卫生院"),
    DemoUser("doctor_tp", "太平镇卫生院 田医生", "clinician", institution="江口县太平镇卫生院"),
    DemoUser("yly_admin", "江口县社会福利院 院长", "institution_admin", institution="江口县社会福利院"),
    # Batch 2: the hospital doctor who receives referrals and does rounds, and a township nurse.
    DemoUser("doctor_rmyy", "江口县人民医院 张医生", "clinician", institution="江口县人民医院"),
    DemoUser("nurse_sj", "双江街道中心卫生院 吴护士", "clinician", institution="江口县双江街道中心卫生院"),
    # The welfare home's nurse: fills in the admission risk screens (quality), handles alerts (devices)
    DemoUser("nurse_yly", "江口县社会福利院 陈护士", "clinician", institution="江口县社会福利院"),
    # 三权分立: three administrators, none a superuser (issue 15)
    DemoUser("sysadmin", "系统管理员", "sysadmin", is_staff=True),
    DemoUser("secadmin", "安全管理员", "security_admin", is_staff=True),
    DemoUser("auditadmin", "审计管理员", "audit_admin", is_staff=True),
]


def load_accounts_demo(*, elders: int, seed: int, today: dt.date) -> dict[str, int]:
    """The demo logins, each with one role bound to the demo county or one of its institutions."""
    names = {spec.institution for spec in DEMO_USERS if spec.institution}
    by_name = {i.name: i for i in Institution.objects.filter(name__in=names)}
    for spec in DEMO_USERS:
        user = User.objects.create_user(
            spec.username,
            password=DEMO_PASSWORD,
            display_name=spec.display_name,
            is_staff=spec.is_staff,
            is_superuser=False,
        )
        RoleAssignment.objects.create(
            user=user,
            role=spec.role,
            region_id=spec.region,
            institution=by_name[spec.institution] if spec.institution else None,
        )
    return {"users": len(DEMO_USERS)}
