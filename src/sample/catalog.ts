/**
 * What Korean delivery-platform card sales look like: platforms and their fees and settlement
 * delays, card companies and their BIN prefixes, store categories and their menu prices,
 * the hours people order at, and the remarks operators type. Fixed tables, no logic.
 */

export type Platform = 'BAEMIN' | 'YOGIYO' | 'COUPANGEATS' | 'KCP';

export interface PlatformProfile {
  platform: Platform;
  /** Share of a typical store's sales. */
  share: number;
  /** Fee on a credit-card sale (platform commission + PG); check cards pay less. */
  creditFeeRate: number;
  /** Days from the sale to the planned settlement. */
  settlementDays: number;
  orderNoPrefix: string;
  /** Delivery tips the platform adds to the menu price (won); 0 = takeout / in-store. */
  deliveryTips: readonly number[];
}

export const PLATFORMS: readonly PlatformProfile[] = [
  {
    platform: 'BAEMIN',
    share: 0.52,
    creditFeeRate: 0.03,
    settlementDays: 3,
    orderNoPrefix: 'B',
    deliveryTips: [0, 2000, 3000, 3500, 4000],
  },
  {
    platform: 'COUPANGEATS',
    share: 0.26,
    creditFeeRate: 0.029,
    settlementDays: 5,
    orderNoPrefix: 'CE',
    deliveryTips: [0, 1900, 2900, 3900],
  },
  {
    platform: 'YOGIYO',
    share: 0.14,
    creditFeeRate: 0.032,
    settlementDays: 4,
    orderNoPrefix: 'Y',
    deliveryTips: [0, 2000, 3000],
  },
  { platform: 'KCP', share: 0.08, creditFeeRate: 0.022, settlementDays: 2, orderNoPrefix: 'KCP', deliveryTips: [0] },
];

/** Check cards (체크) are cheaper to accept than credit cards (신용). */
export const CHECK_CARD_FEE_DISCOUNT = 0.009;
export const CHECK_CARD_SHARE = 0.3;

export interface CardCompany {
  name: string;
  share: number;
  /** First four digits of the BINs the company issues (visible in the masked number). */
  binPrefixes: readonly string[];
}

export const CARD_COMPANIES: readonly CardCompany[] = [
  { name: '신한', share: 0.2, binPrefixes: ['4518', '5107', '4579', '9410'] },
  { name: '국민', share: 0.18, binPrefixes: ['4673', '5272', '9490', '4009'] },
  { name: '삼성', share: 0.15, binPrefixes: ['5365', '4048', '9411', '5461'] },
  { name: '현대', share: 0.13, binPrefixes: ['4330', '5433', '9402'] },
  { name: '롯데', share: 0.08, binPrefixes: ['4671', '5408', '9409'] },
  { name: '하나', share: 0.08, binPrefixes: ['4162', '5450', '9418'] },
  { name: '우리', share: 0.07, binPrefixes: ['4619', '5387', '9420'] },
  { name: 'BC', share: 0.07, binPrefixes: ['9430', '4906', '5585'] },
  { name: 'NH', share: 0.04, binPrefixes: ['5461', '4890', '9445'] },
];

export interface StoreCategory {
  name: string;
  /** A typical order (won) before the store's own price level. */
  typicalOrder: number;
  brands: readonly string[];
  menu: readonly string[];
}

export const STORE_CATEGORIES: readonly StoreCategory[] = [
  {
    name: '치킨',
    typicalOrder: 24000,
    brands: ['바삭한치킨', '황금닭강정', '옛날통닭'],
    menu: ['후라이드치킨', '양념치킨', '반반치킨', '간장치킨', '순살치킨'],
  },
  {
    name: '피자',
    typicalOrder: 27000,
    brands: ['화덕피자공방', '도우앤치즈'],
    menu: ['페퍼로니피자', '포테이토피자', '불고기피자', '고르곤졸라'],
  },
  {
    name: '족발·보쌈',
    typicalOrder: 36000,
    brands: ['한입족발', '장충보쌈'],
    menu: ['앞다리족발', '보쌈 정식', '불족발', '반반족발'],
  },
  {
    name: '중식',
    typicalOrder: 19000,
    brands: ['진짜루반점', '홍매반점'],
    menu: ['짜장면', '짬뽕', '탕수육', '볶음밥', '마라탕'],
  },
  {
    name: '분식',
    typicalOrder: 13000,
    brands: ['소문난분식', '떡볶이연구소'],
    menu: ['떡볶이', '김밥', '라볶이', '순대', '튀김 세트'],
  },
  {
    name: '한식',
    typicalOrder: 16000,
    brands: ['엄마손밥상', '든든국밥'],
    menu: ['김치찌개', '제육볶음', '순대국밥', '된장찌개', '불고기 백반'],
  },
  {
    name: '카페·디저트',
    typicalOrder: 11000,
    brands: ['달콤커피', '오늘의베이글'],
    menu: ['아메리카노', '카페라떼', '크로플', '베이글 세트', '케이크'],
  },
  {
    name: '일식',
    typicalOrder: 26000,
    brands: ['도쿄스시', '라멘야'],
    menu: ['모둠초밥', '돈카츠', '연어덮밥', '돈코츠라멘'],
  },
  {
    name: '버거',
    typicalOrder: 14000,
    brands: ['수제버거하우스', '그릴버거'],
    menu: ['치즈버거 세트', '베이컨버거', '치킨버거 세트'],
  },
];

export const DISTRICTS: readonly string[] = [
  '강남',
  '역삼',
  '서초',
  '마포',
  '홍대',
  '잠실',
  '송파',
  '영등포',
  '여의도',
  '성수',
  '건대',
  '신촌',
  '분당',
  '판교',
  '일산',
  '수원',
  '부평',
  '해운대',
  '서면',
  '동성로',
];

/** Relative order volume by local hour: lunch and dinner peaks, late-night 야식, quiet dawn. */
export const HOUR_WEIGHTS: readonly number[] = [
  4, 3, 2, 1, 0.5, 0.5, 0.7, 1.2, 1.8, 2.5, 4, 8, 10, 7, 4, 3.5, 4.5, 7, 10, 11, 9, 7, 6, 5,
];

/** Relative order volume by weekday, Sunday first (Date#getUTCDay order). */
export const WEEKDAY_WEIGHTS: readonly number[] = [1.2, 0.9, 0.9, 0.95, 1.0, 1.15, 1.25];

export const REMARKS: readonly string[] = [
  '단골 고객',
  '포장 주문',
  '리뷰 이벤트 참여',
  '배달 지연으로 쿠폰 지급',
  '수저 포크 안 주셔도 돼요',
  '문 앞에 두고 벨 눌러주세요',
  '맵기 조절 요청',
  '재방문 고객 서비스 제공',
  '현장 결제 후 앱 승인',
];

export const CANCEL_REMARKS: readonly string[] = [
  '고객 요청 취소',
  '가게 사정으로 취소',
  '배달 지연으로 취소',
  '재고 소진 취소',
  '중복 결제 취소',
];

export const NORMAL_STATUS = { result_code: '0000', result_msg: '정상승인', detail_status: 'APPROVED' } as const;
export const CANCELED_STATUS = { result_code: '0000', result_msg: '승인취소', detail_status: 'CANCELED' } as const;
