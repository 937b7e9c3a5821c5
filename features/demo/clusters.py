"""Names of the demo's industrial clusters: real 산업단지 of each 시도, one per main industry.

The generator (``features.demo.firms``) puts a manufacturer into cluster ``"<시도>-C<nn>"``: ``nn``
is the position of its industry among the region's main industries (``MAIN_INDUSTRIES``), or one
past the longest list for the region's general cluster. Each id here names the real complex
where that industry concentrates in the region, so pages read "울산 미포국가산업단지", not
"31-C01". Only the names live here; which firm sits where is the generator's business.
"""

from __future__ import annotations

from typing import Final

from features.demo.geography import MAIN_INDUSTRIES

# One past the longest main-industry list: the region's general cluster (as in firms._cluster).
GENERAL_POSITION: Final = len(max(MAIN_INDUSTRIES.values(), key=len)) + 1

# 시도 -> (Korean, English) per position: the main industries in MAIN_INDUSTRIES order, then the
# general complex. A non-manufacturing main industry (software, hotels) never gets member firms
# but keeps its name so the table stays aligned with the positions.
_COMPLEXES: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "11": (
        ("서울디지털국가산업단지", "Seoul Digital National Industrial Complex"),
        ("상암 디지털미디어시티", "Sangam Digital Media City"),
        ("서울 온수일반산업단지", "Seoul Onsu Industrial Complex"),
    ),
    "26": (
        ("부산 녹산국가산업단지", "Busan Noksan National Industrial Complex"),
        ("부산 신호일반산업단지", "Busan Sinho Industrial Complex"),
        ("부산신항 배후물류단지", "Busan New Port Logistics Complex"),
        ("부산 사상공업지역", "Busan Sasang Industrial Area"),
    ),
    "27": (
        ("대구 성서일반산업단지", "Daegu Seongseo Industrial Complex"),
        ("대구국가산업단지", "Daegu National Industrial Complex"),
        ("대구 제3일반산업단지", "Daegu 3rd Industrial Complex"),
    ),
    "28": (
        ("인천 남동국가산업단지", "Incheon Namdong National Industrial Complex"),
        ("인천 주안국가산업단지", "Incheon Juan National Industrial Complex"),
        ("인천 아암물류단지", "Incheon Aam Logistics Complex"),
        ("인천 부평국가산업단지", "Incheon Bupyeong National Industrial Complex"),
    ),
    "29": (
        ("광주 빛그린국가산업단지", "Gwangju Bitgreen National Industrial Complex"),
        ("광주첨단과학국가산업단지", "Gwangju High-tech National Industrial Complex"),
        ("광주 하남일반산업단지", "Gwangju Hanam Industrial Complex"),
    ),
    "30": (
        ("대덕테크노밸리", "Daedeok Techno Valley"),
        ("대덕연구개발특구", "Daedeok Innopolis"),
        ("대전일반산업단지", "Daejeon Industrial Complex"),
    ),
    "31": (
        ("울산 미포국가산업단지", "Ulsan Mipo National Industrial Complex"),
        ("울산 매곡일반산업단지", "Ulsan Maegok Industrial Complex"),
        ("울산 온산국가산업단지", "Ulsan Onsan National Industrial Complex"),
        ("울산 길천일반산업단지", "Ulsan Gilcheon Industrial Complex"),
    ),
    "36": (
        ("세종테크밸리", "Sejong Tech Valley"),
        ("세종 명학일반산업단지", "Sejong Myeonghak Industrial Complex"),
        ("세종 전의일반산업단지", "Sejong Jeonui Industrial Complex"),
    ),
    "41": (
        ("용인 반도체클러스터 일반산업단지", "Yongin Semiconductor Cluster"),
        ("판교테크노밸리", "Pangyo Techno Valley"),
        ("반월·시화국가산업단지", "Banwol-Sihwa National Industrial Complex"),
        ("평택 포승국가산업단지", "Pyeongtaek Poseung National Industrial Complex"),
    ),
    "51": (
        ("원주 문막일반산업단지", "Wonju Munmak Industrial Complex"),
        ("평창 알펜시아 관광단지", "Pyeongchang Alpensia Resort Complex"),
        ("춘천 후평일반산업단지", "Chuncheon Hupyeong Industrial Complex"),
    ),
    "43": (
        ("청주일반산업단지", "Cheongju Industrial Complex"),
        ("오창과학산업단지", "Ochang Science Industrial Complex"),
        ("오송생명과학국가산업단지", "Osong Bio-health National Industrial Complex"),
        ("충주기업도시", "Chungju Enterprise City"),
    ),
    "44": (
        ("아산 탕정일반산업단지", "Asan Tangjeong Industrial Complex"),
        ("천안 제5일반산업단지", "Cheonan 5th Industrial Complex"),
        ("아산 인주일반산업단지", "Asan Inju Industrial Complex"),
        ("당진 석문국가산업단지", "Dangjin Seongmun National Industrial Complex"),
    ),
    "52": (
        ("군산국가산업단지", "Gunsan National Industrial Complex"),
        ("익산 국가식품클러스터", "Iksan National Food Cluster"),
        ("김제 지평선일반산업단지", "Gimje Jipyeongseon Industrial Complex"),
        ("완주일반산업단지", "Wanju Industrial Complex"),
    ),
    "46": (
        ("영암 대불국가산업단지", "Yeongam Daebul National Industrial Complex"),
        ("여수국가산업단지", "Yeosu National Industrial Complex"),
        ("광양국가산업단지", "Gwangyang National Industrial Complex"),
        ("나주 혁신산업단지", "Naju Innovation Industrial Complex"),
    ),
    "47": (
        ("구미국가산업단지", "Gumi National Industrial Complex"),
        ("포항철강일반산업단지", "Pohang Steel Industrial Complex"),
        ("경산 진량일반산업단지", "Gyeongsan Jillyang Industrial Complex"),
        ("김천일반산업단지", "Gimcheon Industrial Complex"),
    ),
    "48": (
        ("통영 안정국가산업단지", "Tongyeong Anjeong National Industrial Complex"),
        ("창원국가산업단지", "Changwon National Industrial Complex"),
        ("김해 골든루트일반산업단지", "Gimhae Golden Root Industrial Complex"),
        ("진주 상평일반산업단지", "Jinju Sangpyeong Industrial Complex"),
    ),
    "50": (
        ("중문관광단지", "Jungmun Tourist Complex"),
        ("제주 구좌 농공단지", "Jeju Gujwa Agro-industrial Complex"),
        ("제주 용암해수일반산업단지", "Jeju Lava Seawater Industrial Complex"),
        ("제주첨단과학기술단지", "Jeju Science Park"),
    ),
}


def cluster_id(region: str, position: int) -> str:
    """The generator's id of a region's cluster at ``position`` (1-based)."""
    return f"{region}-C{position:02d}"


def _positions(region: str) -> list[int]:
    """Positions with a named complex: the main industries', then the general one."""
    return [*range(1, len(MAIN_INDUSTRIES[region]) + 1), GENERAL_POSITION]


def clusters() -> dict[str, tuple[str, str]]:
    """Cluster id -> (Korean, English) name, for every cluster the demo generator can assign."""
    names: dict[str, tuple[str, str]] = {}
    for region, complexes in _COMPLEXES.items():
        positions = _positions(region)
        if len(positions) != len(complexes):
            raise ValueError(
                f"_COMPLEXES[{region!r}] has {len(complexes)} names for {len(positions)} clusters"
            )
        for position, pair in zip(positions, complexes, strict=True):
            names[cluster_id(region, position)] = pair
    return names
