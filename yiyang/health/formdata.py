"""Option lists of the national forms, as data (standards/public-health-services.md §1, §2.5, §3.4, §4).

The printed codes and wording of the 健康体检表 and the 随访服务记录表 are the official Chinese text: a
code is what the paper form and the statistical systems carry, so records store the code and pages
show the wording. Tags refer to the evidence tags of the standards file.
"""

from __future__ import annotations


def numbered(*labels: str) -> list[tuple[str, str]]:
    """Options coded 1, 2, 3 … in the printed order."""
    return [(str(i), label) for i, label in enumerate(labels, start=1)]


# §1.3 症状 (multi, "1 无症状" excludes the others) [S2]
SYMPTOMS = numbered(
    "无症状", "头痛", "头晕", "心悸", "胸闷", "胸痛", "慢性咳嗽", "咳痰", "呼吸困难", "多饮", "多尿", "体重下降",  # noqa: E501
    "乏力", "关节肿痛", "视力模糊", "手脚麻木", "尿急", "尿痛", "便秘", "腹泻", "恶心呕吐", "眼花", "耳鸣",
    "乳房胀痛", "其他",
)  # fmt: skip
NO_SYMPTOM = "1"

# §1.4 / assessment-instruments §3.3 [S2]
SELF_RATING = numbered("满意", "基本满意", "说不清楚", "不太满意", "不满意")
SELFCARE_LEVEL = numbered(
    "可自理（0～3分）", "轻度依赖（4～8分）", "中度依赖（9～18分）", "不能自理（≥19分）"
)
SCREEN = numbered("粗筛阴性", "粗筛阳性")

# §1.5 生活方式 [S2]
EXERCISE_FREQUENCY = numbered("每天", "每周一次以上", "偶尔", "不锻炼")
DIET = numbered("荤素均衡", "荤食为主", "素食为主", "嗜盐", "嗜油", "嗜糖")
SMOKING = numbered("从不吸烟", "已戒烟", "吸烟")
NEVER_SMOKED = "1"
DRINKING = numbered("从不", "偶尔", "经常", "每天")
NEVER_DRANK = "1"
DRINKING_QUIT = numbered("未戒酒", "已戒酒")
YES_NO = numbered("是", "否")
DRINK_KINDS = numbered("白酒", "啤酒", "红酒", "黄酒", "其他")
#: 填表说明 4: 日饮酒量折合成白酒量（啤酒/10=白酒量，红酒/4=白酒量，黄酒/5=白酒量） [S1]
SPIRIT_EQUIVALENT_DIVISOR = {"spirit": 1, "beer": 10, "wine": 4, "rice_wine": 5}
ABSENT_PRESENT = numbered("无", "有")

# §1.6 脏器功能 · 查体 · 辅助检查 [S2]
LIPS = numbered("红润", "苍白", "发绀", "皲裂", "疱疹")
DENTITION = numbered("正常", "缺齿", "龋齿", "义齿(假牙)")
PHARYNX = numbered("无充血", "充血", "淋巴滤泡增生")
HEARING = numbered("听见", "听不清或无法听见")
MOTOR = numbered("可顺利完成", "无法独立完成任何一个动作")
NORMAL_ABNORMAL = numbered("正常", "异常")
SKIN = numbered("正常", "潮红", "苍白", "发绀", "黄染", "色素沉着", "其他")
SCLERA = numbered("正常", "黄染", "充血", "其他")
LYMPH = numbered("未触及", "锁骨上", "腋窝", "其他")
NO_YES = numbered("否", "是")
RALES = numbered("无", "干罗音", "湿罗音", "其他")
RHYTHM = numbered("齐", "不齐", "绝对不齐")
EDEMA = numbered("无", "单侧", "双侧不对称", "双侧对称")
DORSALIS_PEDIS = numbered("未触及", "触及双侧对称", "触及左侧弱或消失", "触及右侧弱或消失")
NEGATIVE_POSITIVE = numbered("阴性", "阳性")
#: 尿常规 qualitative results; a quantitative result is stored as text with its unit [D]
URINE_QUALITATIVE = [("-", "－"), ("+", "＋"), ("++", "＋＋"), ("+++", "＋＋＋"), ("++++", "＋＋＋＋")]

# §1.7 现存主要健康问题 (multi per row; "1 未发现" excludes the others) [S2]
MAIN_PROBLEMS = {
    "cerebrovascular": ("脑血管疾病", numbered("未发现", "缺血性卒中", "脑出血", "蛛网膜下腔出血", "短暂性脑缺血发作", "其他")),  # noqa: E501
    "kidney": ("肾脏疾病", numbered("未发现", "糖尿病肾病", "肾功能衰竭", "急性肾炎", "慢性肾炎", "其他")),
    "heart": ("心脏疾病", numbered("未发现", "心肌梗死", "心绞痛", "冠状动脉血运重建", "充血性心力衰竭", "心前区疼痛", "其他")),  # noqa: E501
    "vascular": ("血管疾病", numbered("未发现", "夹层动脉瘤", "动脉闭塞性疾病", "其他")),
    "eye": ("眼部疾病", numbered("未发现", "视网膜出血或渗出", "视乳头水肿", "白内障", "其他")),
    "neurological": ("神经系统疾病", numbered("未发现", "有")),
    "other_system": ("其他系统疾病", numbered("未发现", "有")),
}  # fmt: skip
HEALTH_EVALUATION = numbered("体检无异常", "有异常")
GUIDANCE = numbered("纳入慢性病患者健康管理", "建议复查", "建议转诊")
RISK_FACTOR_CONTROL = numbered("戒烟", "健康饮酒", "饮食", "锻炼", "减体重", "建议接种疫苗", "其他")
ADHERENCE = numbered("规律", "间断", "不服药")

# §2.5 / §3.4 随访服务记录表 [S2]
VISIT_METHOD = numbered("门诊", "家庭", "电话")
FACE_TO_FACE = ("1", "2")
HTN_SYMPTOMS = numbered(
    "无症状",
    "头痛头晕",
    "恶心呕吐",
    "眼花耳鸣",
    "呼吸困难",
    "心悸胸闷",
    "鼻衄出血不止",
    "四肢发麻",
    "下肢水肿",
)
DM_SYMPTOMS = numbered(
    "无症状", "多饮", "多食", "多尿", "视力模糊", "感染", "手脚麻木", "下肢浮肿", "体重明显下降"
)
SALT = [("light", "轻"), ("medium", "中"), ("heavy", "重")]
GOOD_FAIR_POOR = numbered("良好", "一般", "差")
HYPOGLYCAEMIA = numbered("无", "偶尔", "频繁")
FOLLOWUP_CLASSIFICATION = numbered("控制满意", "控制不满意", "不良反应", "并发症")

# §4 中医药保健指导 [S2]
TCM_GUIDANCE = numbered("情志调摄", "饮食调养", "起居调摄", "运动保健", "穴位保健", "其他")
TCM_CONSTITUTIONS = [
    ("balanced", "平和质"),
    ("qi_deficiency", "气虚质"),
    ("yang_deficiency", "阳虚质"),
    ("yin_deficiency", "阴虚质"),
    ("phlegm_dampness", "痰湿质"),
    ("damp_heat", "湿热质"),
    ("blood_stasis", "血瘀质"),
    ("qi_stagnation", "气郁质"),
    ("special_diathesis", "特禀质"),
]


#: multi-choice JSON fields of the 体检表 and their option lists
CHECK_MULTI = {
    "symptoms": SYMPTOMS,
    "diet": DIET,
    "drink_kinds": DRINK_KINDS,
    "dentition": DENTITION,
    "guidance": GUIDANCE,
    "risk_factor_control": RISK_FACTOR_CONTROL,
}


def label(options: list[tuple[str, str]], code: str | None) -> str:
    return dict(options).get(code or "", "")


def labels(options: list[tuple[str, str]], codes: list[str] | None) -> str:
    names = dict(options)
    return "、".join(names.get(c, c) for c in (codes or []))


# §5.4 个人基本信息表 (multi; the first option "无" excludes the others) [S2]
DRUG_ALLERGIES = numbered("无", "青霉素", "磺胺", "链霉素", "其他")
EXPOSURES = numbered("无", "化学品", "毒物", "射线")
DISABILITIES = numbered(
    "无残疾", "视力残疾", "听力残疾", "言语残疾", "肢体残疾", "智力残疾", "精神残疾", "其他残疾"
)
FAMILY_DISEASES = numbered(
    "无", "高血压", "糖尿病", "冠心病", "慢性阻塞性肺疾病", "恶性肿瘤", "脑卒中", "严重精神障碍", "结核病",
    "肝炎", "先天畸形", "其他",
)  # fmt: skip
#: 家族史 rows of the form, in printed order
FAMILY_MEMBERS = [("father", "父亲"), ("mother", "母亲"), ("siblings", "兄弟姐妹"), ("children", "子女")]
#: archive multi-choice JSON fields and their option lists ("1" = none, exclusive)
ARCHIVE_MULTI = {"drug_allergies": DRUG_ALLERGIES, "exposures": EXPOSURES, "disabilities": DISABILITIES}

# §1.7 住院治疗情况: 住院史 and 家庭病床史 rows share one table, told apart by kind [S2]
STAY_KINDS = [("hospital", "住院史"), ("sickbed", "家庭病床史")]

#: The row tables of the 体检表 and the 个人基本信息表 (JSON lists of dicts): each column's key and
#: whether it must be filled when the row is used. Dates: "month" = YYYY-MM (填表说明: 日期填写年月，
#: 年份应写4位), "date" = YYYY-MM-DD.
ROW_TABLES: dict[str, dict[str, tuple[str, bool]]] = {
    "hospital_stays": {
        "kind": ("choice", True),
        "admitted": ("month", True),
        "discharged": ("month", False),
        "reason": ("text", True),
        "institution": ("text", False),
        "record_no": ("text", False),
    },
    "medications": {
        "name": ("text", True),
        "route": ("text", False),
        "dose": ("text", False),
        "duration": ("text", False),
        "adherence": ("choice", False),
    },
    "vaccinations": {"name": ("text", True), "date": ("date", True), "institution": ("text", False)},
    "surgeries": {"name": ("text", True), "date": ("date", False)},
    "traumas": {"name": ("text", True), "date": ("date", False)},
    "transfusions": {"name": ("text", True), "date": ("date", False)},
}
ROW_CHOICES = {("hospital_stays", "kind"): STAY_KINDS, ("medications", "adherence"): ADHERENCE}
#: at most this many rows per table (the paper form has 2–6; a year may need a few more)
MAX_ROWS = 20
