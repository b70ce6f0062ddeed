"""医养结合 linkage and care (DESIGN §3 ``care/``): agreements between eldercare and medical institutions,
in-house clinics, rounds (巡诊), home visits (上门服务), two-way referral with a green channel, beds and
stays, family sickbeds and 互联网+护理服务 orders.

Care builds on core, accounts, assessments and health; health never imports care (it offers hooks, such
as :func:`yiyang.health.queries.register_timeline_source`, that care fills from ``CareConfig.ready``).
"""
