#!/usr/bin/env python3
"""Benchmark corpora in our content format: the shared generator's stories, with Chinese days.

The stories come from ``shared/bench/gen_corpus.py`` (the neutral generator that also lays them
out for Pelican and Hugo), imported rather than copied, so the English days here are
byte-identical to its ``briefing`` format. On top of that, about one day in ten
(``--zh-share``) is written in Chinese, as real briefings sometimes are: ``lang: zh``, full-width
punctuation, ``比亚迪（002594.SZ）``-style mentions. A Chinese day keeps the English day's
stories in order: the same sections, companies (tickers) and topics, so our builder has the
same number of stories, pages and tags to make as the anchors built from the English text.

Which days are Chinese is drawn per date from the seed, so, as in the shared generator, a day
does not depend on how many days are written: the 30-day corpus is the last 30 days of the
365-day one. Standard library only.

    python bench/gen_corpus.py --days 365 --out /tmp/site-builder-bench/corpus-365
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import importlib.util
import os
import random
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

SHARED_ENV = "SITE_BUILDER_SHARED_BENCH"
"""Environment variable naming the shared bench folder when it is not next to the repo."""
ZH_SHARE = 0.1
"""Share of days written in Chinese."""


SHARED_DIR = Path(os.environ.get(SHARED_ENV)
                  or Path(__file__).resolve().parents[2] / "shared" / "bench")
"""The shared bench folder: its gen_corpus.py and run_anchors.sh."""


def _load_shared() -> ModuleType:
    path = SHARED_DIR / "gen_corpus.py"
    if not path.is_file():
        sys.exit(f"bench/gen_corpus.py: the shared corpus generator {path} is missing.\n"
                 "It lives in the read-only shared checkout next to the repository "
                 "(../shared/bench/gen_corpus.py); point "
                 f"{SHARED_ENV} at its bench/ folder if it is elsewhere.")
    spec = importlib.util.spec_from_file_location("shared_gen_corpus", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # dataclasses resolves annotations through sys.modules, so register before running it.
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


shared = _load_shared()
DEFAULT_SEED: int = shared.DEFAULT_SEED
DEFAULT_END: dt.date = shared.DEFAULT_END

# ---------------------------------------------------------------------------------------------
# Chinese vocabulary for the shared generator's names

ZH_TITLE = "科创板早报"
ZH_SOURCE = "财联社"
ZH_SECTIONS = {
    shared.SECTION_MARKET: "市场动态",
    shared.SECTION_COMPANY: "公司动态",
    shared.SECTION_FRONTIER: "科技前沿",
}
ZH_TOPICS = {
    "artificial intelligence": "人工智能", "large models": "大模型", "computing power": "算力",
    "semiconductors": "半导体", "lithography": "光刻", "storage chips": "存储芯片",
    "optical modules": "光模块", "data centers": "数据中心", "cloud computing": "云计算",
    "cybersecurity": "网络安全", "industrial software": "工业软件",
    "lithium batteries": "锂电池", "solid-state batteries": "固态电池",
    "energy storage": "储能", "photovoltaics": "光伏", "wind power": "风电",
    "hydrogen energy": "氢能", "nuclear power": "核电", "new energy vehicles": "新能源汽车",
    "autonomous driving": "自动驾驶", "humanoid robots": "人形机器人",
    "industrial robots": "工业机器人", "low-altitude economy": "低空经济", "drones": "无人机",
    "commercial aerospace": "商业航天", "satellite internet": "卫星互联网",
    "quantum computing": "量子计算", "6G communications": "6G通信",
    "consumer electronics": "消费电子", "smartphones": "智能手机", "virtual reality": "虚拟现实",
    "display panels": "显示面板", "innovative drugs": "创新药", "medical devices": "医疗器械",
    "gene editing": "基因编辑", "brain-computer interfaces": "脑机接口",
    "synthetic biology": "合成生物", "rare earths": "稀土", "silicon carbide": "碳化硅",
    "new materials": "新材料",
}
# One character a syllable, none of them a word the ticker finder reads as standing before a
# name ("与", "的", "日", ...), so a written name is found whole.
ZH_SYLLABLES = {
    "Hua": "华", "Zhong": "中", "Tian": "天", "Xin": "鑫", "Kang": "康", "Jin": "金",
    "Long": "隆", "Rui": "瑞", "Hai": "海", "Sheng": "盛", "Da": "达", "Guo": "国", "Ming": "明",
    "Yuan": "源", "Feng": "丰", "Heng": "恒", "Tai": "泰", "Xing": "兴", "Bo": "博",
    "Chuang": "创", "Wei": "维", "Ke": "科", "Lian": "联", "Yi": "易", "Jia": "嘉", "Hong": "宏",
    "Chang": "昌", "An": "安", "Run": "润", "Shun": "顺", "Bao": "宝", "Fu": "富", "Li": "力",
    "Tong": "通", "De": "德", "Qi": "启", "Xun": "迅", "Jie": "捷", "Yu": "宇", "Zhi": "智",
    "Neng": "能", "Guang": "光", "Dian": "电", "Han": "瀚", "Jun": "骏", "Lan": "蓝", "Mei": "美",
    "Nan": "南", "Pu": "普", "Qian": "乾", "Rong": "荣", "Shi": "时", "Teng": "腾", "Wan": "万",
    "Xiang": "翔", "Yang": "扬", "Zhen": "臻", "Ao": "奥", "Bei": "贝", "Cheng": "成",
    "Dong": "东", "Fang": "方", "Gao": "高", "Hui": "汇", "Jing": "晶", "Kai": "凯", "Lu": "陆",
    "Min": "敏", "Ning": "宁", "Ou": "欧", "Peng": "鹏", "Quan": "泉", "Sai": "赛", "Tuo": "拓",
    "Wen": "文", "Xu": "旭", "Ying": "英", "Ze": "泽", "Zhuo": "卓",
}
ZH_NAME_TAILS = {
    "AI": "智能", "Acoustics": "声学", "Advanced Materials": "先进材料", "Aero": "航空",
    "Aerospace": "航天", "Auto Parts": "汽车零部件", "Auto Technology": "汽车科技",
    "Automation": "自动化", "Automobile": "汽车", "Aviation": "航空科技",
    "Aviation Technology": "航空技术", "Battery": "电池", "Bio-materials": "生物材料",
    "Biological": "生物", "Biopharma": "生物医药", "Biotech": "生物科技",
    "Biotechnology": "生物技术", "Brain Science": "脑科学", "Chemical": "化学",
    "Cloud": "云", "Cloud Technology": "云科技", "Cognitive": "认知", "Communication": "通信",
    "Crystal": "晶体", "Data": "数据", "Digital": "数字", "Display": "显示", "Electric": "电气",
    "Electronics": "电子", "Energy": "能源", "Energy Storage": "储能",
    "Energy Technology": "能源科技", "Equipment": "装备", "Gas": "气体", "Gene": "基因",
    "General Aviation": "通用航空", "Group": "集团控股", "Healthcare": "健康",
    "Heavy Industry": "重工", "Holdings": "控股", "Hydrogen": "氢能科技",
    "Industrial Internet": "工业互联网", "Information": "信息", "Information Security": "信安",
    "Instruments": "仪器", "Intelligence": "智慧", "Intelligent": "智能科技",
    "Intelligent Driving": "智驾", "Intelligent Equipment": "智能装备", "Interactive": "互动",
    "Life Sciences": "生命科学", "Lithium": "锂业", "Machinery": "机械",
    "Magnetic Materials": "磁材", "Materials": "材料", "Medical": "医疗",
    "Medical Electronics": "医疗电子", "Medical Technology": "医疗科技", "Medicine": "药业",
    "Memory": "存储", "Micro": "微", "Microelectronics": "微电子", "Mobile": "移动",
    "Motion": "运动控制", "Motor": "电机", "Navigation": "导航", "Network": "网络",
    "Neurotechnology": "神经科技", "New Energy": "新能源", "New Materials": "新材",
    "Nuclear": "核能", "Optics": "光学", "Optoelectronic": "光电子", "Optoelectronics": "光电",
    "PV": "光伏", "Panel": "面板", "Pharmaceutical": "制药", "Photonics": "光子",
    "Power": "电力", "Power Equipment": "电力设备", "Precision": "精密",
    "Precision Manufacturing": "精密制造", "Quantum": "量子", "Quantum Technology": "量子科技",
    "Rare Earth": "稀土", "Resources": "资源", "Robot": "机器人", "Robotics": "机器人科技",
    "Rocket": "火箭", "Satellite": "卫星", "Security": "安全", "Semiconductor": "半导体",
    "Smart Technology": "智慧科技", "Software": "软件", "Solar": "太阳能",
    "Space Communication": "空间通信", "Space Technology": "空间技术", "Storage": "存储科技",
    "Technology": "科技", "Telecom": "电信", "Terminal": "终端", "UAV": "无人机",
    "Vision": "视觉", "Vision Technology": "视觉科技", "Wind Power": "风电", "Wireless": "无线",
}
ZH_PLACES = {
    "Shanghai": "上海", "Beijing": "北京", "Shenzhen": "深圳", "Guangzhou": "广州",
    "Hangzhou": "杭州", "Chengdu": "成都", "Wuhan": "武汉", "Hefei": "合肥", "Suzhou": "苏州",
    "Nanjing": "南京", "Xi'an": "西安", "Chongqing": "重庆", "Tianjin": "天津",
    "Changsha": "长沙", "Zhengzhou": "郑州", "Qingdao": "青岛", "Jiangsu Province": "江苏省",
    "Zhejiang Province": "浙江省", "Guangdong Province": "广东省", "Anhui Province": "安徽省",
}
ZH_MINISTRIES = ("商务部", "工信部", "国家发改委", "科技部", "国家能源局", "中国证监会",
                 "中国人民银行", "国家数据局")
ZH_AGENCIES = ("IDC", "集邦咨询", "Counterpoint", "Canalys", "Gartner", "SEMI", "中国汽车工业协会",
               "中国光伏行业协会")
ZH_INSTITUTIONS = ("清华大学", "北京大学", "浙江大学", "复旦大学", "中国科学院", "中国科学技术大学",
                   "上海交通大学", "南京大学", "麻省理工学院", "斯坦福大学")
ZH_JOURNALS = ("自然", "科学", "细胞", "自然-物理", "自然-能源", "自然-电子", "自然-材料",
               "科学进展")

# (headline, lead sentence) templates; the lead names every company of the story with its
# ticker, as the English lead does, so the same companies are found.
ZH_COMPANY_ONE = (
    ("{c}：{last_year}年净利润同比增长{pct}",
     ("{cm}公告称，{last_year}年实现营业收入{money}，同比增长{pct2}；归母净利润{money2}，同比增长"
      "{pct}。公司拟向全体股东每10股派发现金红利{dividend}元（含税）。")),
    ("{c}：{last_year}年净亏损{money2}，由盈转亏",
     ("{cm}公告称，公司{last_year}年实现营业收入{money}，同比下降{pct2}；归属于上市公司股东的净"
      "亏损为{money2}。")),
    ("{c}：董事长提议以{low}万元至{high}万元回购公司股份",
     ("{cm}公告称，公司董事长提议以集中竞价方式回购部分已发行的人民币普通股（A股），回购资金总额"
      "不低于{low}万元且不超过{high}万元。")),
    ("{c}：拟投资{money}建设{topic}生产基地",
     "{cm}公告称，公司拟投资{money}在{place}建设{topic}生产基地，资金来源为自有资金及银行贷款。"),
    ("{c}：预计一季度净利润同比增长{pct}",
     ("{cm}发布业绩预告，预计{year}年一季度实现归母净利润{money2}，同比增长{pct}，主要受益于"
      "{topic}需求旺盛。")),
    ("{c}：股东拟减持不超过{share}公司股份",
     ("{cm}公告称，持股5%以上股东计划通过集中竞价和大宗交易方式减持不超过公司总股本{share}的"
      "股份。")),
)
ZH_H_SHARES = ("{c}：拟发行H股并在香港联交所主板上市",
               ("{cm}公告称，公司拟发行境外上市外资股（H股）并申请在香港联合交易所主板挂牌上市，以"
                "进一步推进国际化战略。"))
ZH_COMPANY_TWO = (
    ("{c}：筹划购买{p}100%股权，股票明起停牌",
     ("{cm}公告称，公司正在筹划通过发行股份及支付现金的方式购买{pm}100%股权并募集配套资金，本次"
      "交易预计构成重大资产重组。")),
    ("{c}：与{p}签订{money}采购合同",
     ("{cm}公告称，公司与{pm}签订{topic}产品采购合同，合同总金额为{money}，占公司最近一个会计年度"
      "经审计营业收入的{pct2}。")),
)
ZH_MARKET = (
    ("{place}：到{year3}年{topic}产业规模力争突破{n}亿元",
     ("{place}印发关于推动{topic}产业创新发展的实施意见（{year}—{year3}年），提出到{year3}年，"
      "{topic}产业规模力争突破{n}亿元。")),
    ("{ministry}：推动{topic}在重点领域深化应用",
     "{ministry}表示，将推动{topic}在制造、消费和公共服务等领域深化应用，打造一批典型应用场景。"),
    ("{agency}：{month}月全球{topic}出货量同比增长{pct}",
     "据{agency}最新数据，上月全球{topic}出货量同比增长{pct}，中国厂商占比达{pct2}。"),
    ("{place}印发{topic}产业高质量发展行动方案",
     ("{place}印发推动{topic}高质量发展行动方案，提出到{year4}年培育{n2}家龙头企业，建设{n3}个产业"
      "集群。")),
)
ZH_MARKET_FOREIGN = ("{c}预计{year}年营收将达{usd}亿美元",
                     ("{cm}预计{year}年营收将达{usd}亿美元，主要受{topic}需求推动，并即将完成一轮"
                      "{usd2}亿美元融资。"))
ZH_MARKET_SECTOR = ("{topic}板块走强，多股涨停",
                    "{month_day}，{topic}板块早盘走强，{mentions}涨停，多只个股涨超5%。")
ZH_FRONTIER = (
    ("{institution}团队在{topic}领域取得突破",
     "{institution}研究团队在《{journal}》发表论文，报道了一种可将{topic}效率提升{pct}的新方法。"),
    ("《{journal}》：研究人员展示{topic}新路线",
     ("据《{journal}》报道，{institution}研究人员首次展示了一条实现{topic}的新路线，为该领域开辟了"
      "新路径。")),
    ("全球首台{topic}原型样机通过专家评审",
     "{institution}研制的{topic}原型样机于{month_day}通过专家评审，关键指标达到国际领先水平。"),
)
ZH_FILLER = {
    shared.SECTION_COMPANY: (
        "公司表示，将继续加大{topic}领域研发投入，加快新产品和新产能布局。",
        "公告显示，相关事项尚需提交股东大会审议，能否顺利完成存在不确定性。",
        ("在{topic}领域，公司已形成覆盖设计、制造与测试的完整产品矩阵，客户包括多家国内外知名"
         "企业。"),
        "报告期内，{topic}业务收入占公司总营收的{pct}，该板块毛利率为{pct2}。",
        "公司称，此举有利于延伸其在{topic}领域的产业链，提升综合竞争力。",
        "据悉，项目将在{place}实施，建设周期{period}个月，预计{year2}年达产。",
        "公司提醒广大投资者注意投资风险，并将根据事项进展及时履行信息披露义务。",
        "当日公司股价上涨{pct3}，成交额达{money}。",
        "公司{last_year}年研发费用为{money}，同比增长{pct}，研发人员超过{staff}人。",
        "公司表示，{topic2}相关订单充足，年初以来产能利用率保持在{pct4}以上。",
    ),
    shared.SECTION_MARKET: (
        "业内人士认为，{year}年{topic}需求有望持续增长，掌握核心技术的龙头企业将率先受益。",
        ("分析人士指出，{topic}渗透率仍然较低，行业处于快速扩张期，预计到{year2}年市场规模将达"
         "{money}。"),
        "年初以来，已有{count}家上市公司披露{topic}相关项目，计划总投资超过{money}。",
        ("文件提出，加强{topic}与{topic2}协同，支持龙头企业建设创新平台，培育一批专精特新"
         "“小巨人”企业。"),
        ("数据显示，{year}年前{months}个月，{place}{topic}产业产值同比增长{pct}，高于全国平均"
         "水平。"),
        "将加快建设{topic}公共服务平台，支持{place}企业参与国际标准和国家标准制定。",
        "到{year2}年，将建成{count2}个国家级{topic2}试点区，科技型中小企业融资环境进一步改善。",
        "券商研报称，{topic}板块有望迎来景气拐点，建议关注市场份额领先的公司。",
    ),
    shared.SECTION_FRONTIER: (
        "研究人员表示，该成果有望在{count2}年内应用于{topic}，目前已与企业开展产业合作。",
        "团队下一步将重点提升稳定性、降低成本，推动该技术在{topic}领域的工程化和规模化应用。",
        "实验重复超过{count}次，关键参数误差控制在{pct5}以内，远优于此前报道的结果。",
        "审稿人认为，该工作为解决{topic2}领域的长期难题提供了新思路，具有重要科学意义。",
        "该研究得到国家自然科学基金和国家重点研发计划的支持。",
        "与传统方法相比，新方法能耗降低{pct}，且可在室温下进行。",
    ),
}
ZH_CHARS_PER_WORD = 1.7
"""A Chinese paragraph about as long as the English one it stands for, in characters."""
EDIT_SENTENCE = {
    "en": "The company added in a later update that the figure was revised (revision {n}).",
    "zh": "公司随后补充说明，相关数据已作修订（第{n}次修订）。",
}


@dataclass(frozen=True, slots=True)
class CorpusSummary:
    """What ``write_corpus`` wrote."""

    days: int
    chinese_days: int
    stories: int
    first: dt.date
    last: dt.date


# ---------------------------------------------------------------------------------------------
# Chinese days


def is_chinese_day(seed: int, day: dt.date, share: float = ZH_SHARE) -> bool:
    """Whether ``day`` is written in Chinese: drawn per date, independent of corpus length."""
    return random.Random(f"{seed}/{day.isoformat()}/lang").random() < share


def _syllables(head: str) -> tuple[str, str]:
    """Split a generated name head ("Huaxin") back into its two syllables."""
    for first in ZH_SYLLABLES:
        rest = head[len(first):].capitalize()
        if head.startswith(first) and rest in ZH_SYLLABLES:
            return first, rest
    raise ValueError(f"name head {head!r} is not two known syllables")


@functools.cache
def chinese_names(seed: int) -> dict[str, str]:
    """Ticker -> the company's Chinese name ("Huabei Information Security" -> "华贝信安").

    US-listed companies keep their Latin names, as Chinese reports write them. A name that
    two tickers would share gets "股份" added, so every ticker keeps one unambiguous name.
    """
    names: dict[str, str] = {}
    taken: set[str] = set()
    for company in shared.make_companies(seed):
        if company.ticker.endswith((".O", ".N")):
            name = company.name
        else:
            head, _, tail = company.name.partition(" ")
            first, second = _syllables(head)
            name = ZH_SYLLABLES[first] + ZH_SYLLABLES[second] + ZH_NAME_TAILS.get(tail, "科技")
        while name in taken:
            name += "股份"
        taken.add(name)
        names[company.ticker] = name
    return names


def _money(rng: random.Random, low: float, high: float) -> str:
    """An amount in yuan, written as Chinese reports do (亿元 from 100 million up)."""
    value = rng.uniform(low, high)
    return f"{value:.2f}亿元" if value >= 1 else f"{value * 10000:.0f}万元"


def _pct(rng: random.Random, low: float, high: float) -> str:
    return f"{rng.uniform(low, high):.2f}%"


def _values(rng: random.Random, day: dt.date, topics: tuple[str, ...], place: str
            ) -> dict[str, Any]:
    """Everything a Chinese template may ask for, drawn for one sentence."""
    low = rng.randrange(2, 20) * 1000
    return {
        "topic": topics[0],
        "topic2": topics[1] if len(topics) > 1 else f"{topics[0]}应用",
        "place": place,
        "year": day.year, "last_year": day.year - 1, "year2": day.year + rng.randrange(1, 6),
        "year3": day.year + 2, "year4": day.year + 3,
        "month": (day.month - 2) % 12 + 1, "month_day": f"{day.month}月{day.day}日",
        "money": _money(rng, 0.2, 300), "money2": _money(rng, 0.1, 30),
        "pct": _pct(rng, 1, 60), "pct2": _pct(rng, 10, 55), "pct3": _pct(rng, 1, 20),
        "pct4": _pct(rng, 70, 99), "pct5": _pct(rng, 0.1, 3),
        "count": rng.randrange(12, 180), "count2": rng.randrange(2, 11),
        "staff": rng.randrange(2, 60) * 100, "months": rng.randrange(2, 12),
        "period": rng.randrange(6, 40), "n": rng.randrange(50, 2000),
        "n2": rng.randrange(5, 50), "n3": rng.randrange(2, 12),
        "low": low, "high": low * 2, "share": rng.choice(("1%", "2%", "3%")),
        "dividend": f"{rng.uniform(0.5, 8):.2f}",
        "usd": f"{rng.uniform(2, 120):.1f}", "usd2": f"{rng.uniform(1, 40):.1f}",
        "ministry": rng.choice(ZH_MINISTRIES), "agency": rng.choice(ZH_AGENCIES),
        "institution": rng.choice(ZH_INSTITUTIONS), "journal": rng.choice(ZH_JOURNALS),
    }


def _story_templates(rng: random.Random, story: Any, names: dict[str, str]
                     ) -> tuple[str, str, dict[str, str]]:
    """(headline template, lead template, company fields) for one story."""
    mentions = [f"{names[c.ticker]}（{c.ticker}）" for c in story.companies]
    fields: dict[str, str] = {"mentions": "、".join(mentions)}
    if story.companies:
        fields.update(c=names[story.companies[0].ticker], cm=mentions[0])
    if len(story.companies) > 1:
        fields.update(p=names[story.companies[1].ticker], pm=mentions[1])
    if story.section == shared.SECTION_COMPANY:
        if len(story.companies) > 1:
            headline, lead = rng.choice(ZH_COMPANY_TWO)
        else:
            pool: tuple[tuple[str, str], ...] = ZH_COMPANY_ONE
            if story.companies[0].ticker.endswith((".SH", ".SZ", ".BJ")):
                pool = (*pool, ZH_H_SHARES)
            headline, lead = rng.choice(pool)
    elif story.section == shared.SECTION_MARKET:
        if len(story.companies) == 1 and story.companies[0].ticker.endswith((".O", ".N")):
            headline, lead = ZH_MARKET_FOREIGN
        elif story.companies:
            headline, lead = ZH_MARKET_SECTOR
        else:
            headline, lead = rng.choice(ZH_MARKET)
    else:
        headline, lead = rng.choice(ZH_FRONTIER)
    return headline, lead, fields


def _fill(template: str, rng: random.Random, day: dt.date, topics: tuple[str, ...],
          place: str, fields: dict[str, str]) -> str:
    """One sentence from a template, with fresh figures and the story's names."""
    return template.format(**{**_values(rng, day, topics, place), **fields})


def _paragraph(rng: random.Random, lead: str, pool: tuple[str, ...], used: set[str],
               target: int, fill: Callable[[str], str]) -> str:
    """A lead sentence topped up with filler sentences to about ``target`` characters."""
    sentences = [lead] if lead else []
    length = len(lead)
    while length < target:
        fresh = [t for t in pool if t not in used] or list(pool)
        template = rng.choice(fresh)
        used.add(template)
        sentence = fill(template)
        sentences.append(sentence)
        length += len(sentence)
    return "".join(sentences)


def chinese_briefing(briefing: Any, seed: int) -> str:
    """The Chinese text of one shared briefing: same sections, stories, companies and topics."""
    rng = random.Random(f"{seed}/{briefing.date.isoformat()}/zh")
    names = chinese_names(seed)
    day = briefing.date
    place_names = tuple(ZH_PLACES.values())
    stories: list[tuple[str, str, list[str]]] = []  # (section, headline, paragraphs)
    for story in briefing.stories:
        topics = tuple(ZH_TOPICS.get(t, t) for t in story.topics)
        place = rng.choice(place_names)
        headline_t, lead_t, fields = _story_templates(rng, story, names)
        values = {**_values(rng, day, topics, place), **fields}
        headline, lead = headline_t.format(**values), lead_t.format(**values)
        used: set[str] = set()
        paragraphs = []
        for index, english in enumerate(story.paragraphs):
            fill = functools.partial(_fill, rng=rng, day=day, place=place, fields=fields,
                                     topics=topics if index == 0 else topics[::-1])
            target = int(len(english.split()) * ZH_CHARS_PER_WORD)
            paragraphs.append(_paragraph(rng, lead if index == 0 else "",
                                         ZH_FILLER[story.section], used, target, fill))
        stories.append((story.section, headline, paragraphs))
    summary = "；".join(headline for _, headline, _ in stories[:4])
    lines = ["---", f"title: {ZH_TITLE}", f"date: {day.isoformat()}", f"source: {ZH_SOURCE}",
             "lang: zh", "---", "",
             f"《科创板日报》{day.month}月{day.day}日讯，今日科创板早报主要内容有：{summary}。", ""]
    section = None
    for story_section, headline, paragraphs in stories:
        if story_section != section:
            section = story_section
            lines += [f"## {ZH_SECTIONS[section]}", ""]
        lines += [f"### {headline}", ""]
        for text in paragraphs:
            lines += [text, ""]
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Writing


def briefing_path(site: Path, day: dt.date) -> Path:
    """Where a day's file goes in a site folder."""
    return site / "content" / "briefings" / f"{day.year}" / f"{day.isoformat()}.md"


def _write_briefings(site: Path, briefings: list[Any], seed: int, share: float) -> int:
    """Write the days, each in English (the shared writer) or Chinese; return the Chinese count."""
    chinese = [b for b in briefings if is_chinese_day(seed, b.date, share)]
    chinese_dates = {b.date for b in chinese}
    shared.write_briefing_format([b for b in briefings if b.date not in chinese_dates], site)
    for briefing in chinese:
        shared.write(briefing_path(site, briefing.date), chinese_briefing(briefing, seed))
    return len(chinese)


def write_corpus(site: Path, days: int, *, seed: int = DEFAULT_SEED, end: dt.date = DEFAULT_END,
                 share: float = ZH_SHARE) -> CorpusSummary:
    """Write ``days`` daily briefings ending on ``end`` under ``site``/content/briefings."""
    briefings = shared.make_corpus(seed, days, end)
    chinese = _write_briefings(site, briefings, seed, share)
    return CorpusSummary(days=days, chinese_days=chinese,
                         stories=sum(len(b.stories) for b in briefings),
                         first=briefings[0].date, last=briefings[-1].date)


def write_day(site: Path, day: dt.date, *, seed: int = DEFAULT_SEED,
              share: float = ZH_SHARE) -> Path:
    """Write the briefing of one more day (the one a longer corpus would have) and its path."""
    _write_briefings(site, shared.make_corpus(seed, 1, day), seed, share)
    return briefing_path(site, day)


def newest_briefing(site: Path) -> Path:
    """The newest day's file of a site (file names are ISO dates, so they sort by date)."""
    files = sorted((site / "content" / "briefings").glob("*/*.md"), key=lambda p: p.name)
    if not files:
        raise FileNotFoundError(f"no briefings under {site}/content/briefings")
    return files[-1]


def append_to_first_story(path: Path, revision: int) -> None:
    """Add one sentence, as a paragraph, to the end of the first story of a briefing file."""
    lines = path.read_text(encoding="utf-8").split("\n")
    language = "zh" if "lang: zh" in lines[:lines.index("---", 1)] else "en"
    first = next(i for i, line in enumerate(lines) if line.startswith("### "))
    after = next((i for i in range(first + 1, len(lines))
                  if lines[i].startswith(("## ", "### "))), len(lines))
    lines[after:after] = [EDIT_SENTENCE[language].format(n=revision), ""]
    path.write_text("\n".join(lines), encoding="utf-8", newline="\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--days", type=int, required=True, help="number of daily briefings")
    parser.add_argument("--out", type=Path, required=True,
                        help="site folder to write (content/briefings/ is created in it)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END,
                        help="date of the last briefing (default %(default)s)")
    parser.add_argument("--zh-share", type=float, default=ZH_SHARE,
                        help="share of days written in Chinese (default %(default)s)")
    args = parser.parse_args(argv)
    if args.days < 1:
        parser.error("--days must be at least 1")
    if not 0 <= args.zh_share <= 1:
        parser.error("--zh-share must be between 0 and 1")
    content = args.out / "content"
    if content.exists() and any(content.iterdir()):
        parser.error(f"{content} exists and is not empty; give a new folder")
    summary = write_corpus(args.out, args.days, seed=args.seed, end=args.end,
                           share=args.zh_share)
    print(f"{summary.days} days ({summary.chinese_days} in Chinese), {summary.stories} stories, "
          f"{summary.first}..{summary.last} -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
