"""KSIC (10th revision) division names, for the tables that break a region down by industry.

The same names the staff pages show (``serving.web.ksic``); kept here, below the pages, because
the brief's API, workbook and PDF need them too and the API may not import the pages.
"""

from __future__ import annotations

from typing import Final

DIVISIONS: Final[dict[str, tuple[str, str]]] = {
    "01": ("농업", "agriculture"),
    "02": ("임업", "forestry"),
    "03": ("어업", "fishing"),
    "05": ("석탄·원유·천연가스 광업", "coal, oil and gas mining"),
    "06": ("금속 광업", "metal ore mining"),
    "07": ("비금속광물 광업", "non-metallic mining"),
    "08": ("광업 지원 서비스업", "mining support services"),
    "10": ("식료품", "food products"),
    "11": ("음료", "beverages"),
    "12": ("담배", "tobacco"),
    "13": ("섬유제품", "textiles"),
    "14": ("의복·모피제품", "wearing apparel"),
    "15": ("가죽·가방·신발", "leather and footwear"),
    "16": ("목재·나무제품", "wood products"),
    "17": ("펄프·종이", "pulp and paper"),
    "18": ("인쇄·기록매체 복제", "printing"),
    "19": ("코크스·석유정제품", "coke and refined petroleum"),
    "20": ("화학물질·화학제품", "chemicals"),
    "21": ("의약품", "pharmaceuticals"),
    "22": ("고무·플라스틱제품", "rubber and plastics"),
    "23": ("비금속 광물제품", "non-metallic mineral products"),
    "24": ("1차 금속", "basic metals"),
    "25": ("금속가공제품", "fabricated metal products"),
    "26": ("전자부품·컴퓨터·통신장비", "electronics and communication equipment"),
    "27": ("의료·정밀·광학기기", "medical, precision and optical instruments"),
    "28": ("전기장비", "electrical equipment"),
    "29": ("기타 기계·장비", "other machinery"),
    "30": ("자동차·트레일러", "motor vehicles"),
    "31": ("기타 운송장비 (조선 등)", "other transport equipment (ships)"),
    "32": ("가구", "furniture"),
    "33": ("기타 제품", "other manufacturing"),
    "34": ("산업용 기계 수리", "repair of industrial machinery"),
    "35": ("전기·가스·증기", "electricity, gas and steam"),
    "36": ("수도", "water supply"),
    "37": ("하수·폐수 처리", "sewerage"),
    "38": ("폐기물 처리·원료 재생", "waste and recycling"),
    "39": ("환경 정화·복원", "remediation"),
    "41": ("종합 건설", "general construction"),
    "42": ("전문직별 공사", "specialised construction"),
    "45": ("자동차·부품 판매", "motor vehicle trade"),
    "46": ("도매·상품 중개", "wholesale"),
    "47": ("소매", "retail"),
    "49": ("육상 운송", "land transport"),
    "50": ("수상 운송", "water transport"),
    "51": ("항공 운송", "air transport"),
    "52": ("창고·운송 서비스", "warehousing and transport services"),
    "55": ("숙박", "accommodation"),
    "56": ("음식점·주점", "restaurants and bars"),
    "58": ("출판", "publishing"),
    "59": ("영상·오디오 제작", "film, video and sound"),
    "60": ("방송", "broadcasting"),
    "61": ("우편·통신", "post and telecommunications"),
    "62": ("컴퓨터 프로그래밍·시스템 통합", "computer programming and IT services"),
    "63": ("정보서비스", "information services"),
    "64": ("금융", "financial services"),
    "65": ("보험·연금", "insurance and pensions"),
    "66": ("금융·보험 관련 서비스", "auxiliary financial services"),
    "68": ("부동산", "real estate"),
    "70": ("연구개발", "research and development"),
    "71": ("전문 서비스", "professional services"),
    "72": ("건축기술·엔지니어링", "architecture and engineering"),
    "73": ("기타 전문·과학·기술 서비스", "other scientific and technical services"),
    "74": ("사업시설 관리·조경", "facilities management"),
    "75": ("사업 지원 서비스", "business support services"),
    "76": ("임대 (부동산 제외)", "rental and leasing"),
    "84": ("공공 행정", "public administration"),
    "85": ("교육 서비스", "education"),
    "86": ("보건", "human health"),
    "87": ("사회복지 서비스", "social work"),
    "90": ("창작·예술·여가", "arts and recreation"),
    "91": ("스포츠·오락", "sports and amusement"),
    "94": ("협회·단체", "membership organisations"),
    "95": ("개인·소비용품 수리", "repair of household goods"),
    "96": ("기타 개인 서비스", "other personal services"),
}

UNKNOWN_DIVISION: Final = ("업종 미상", "industry unknown")


def division_label(division: str | None, lang: str = "ko") -> str:
    """'25 금속가공제품' for a 2-digit division; the code alone when unknown; a missing
    division (a section letter only, or no code) reads 업종 미상."""
    if not division:
        return UNKNOWN_DIVISION[1] if lang == "en" else UNKNOWN_DIVISION[0]
    ko, en = DIVISIONS.get(division[:2], ("", ""))
    return f"{division[:2]} {en if lang == 'en' else ko}".strip()
