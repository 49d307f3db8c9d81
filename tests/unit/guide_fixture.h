/* SPDX-License-Identifier: Apache-2.0 */
/* A small guide (catalog/controls/) for unit tests: 3 categories, 3 roles, 2 methods,
 * threats, and controls from each source. */
#ifndef MAMORI_TEST_GUIDE_FIXTURE_H
#define MAMORI_TEST_GUIDE_FIXTURE_H

#define AXIS_RATINGS(a, b, c, d, e)                                                         \
	"      work-reproducibility: {rating: " a ", en: w, ja: 再現}\n"                       \
	"      traffic-resilience: {rating: " b ", en: t, ja: 通信}\n"                         \
	"      introduction-cost: {rating: " c ", en: c, ja: 費用}\n"                          \
	"      introduction-effort: {rating: " d ", en: e, ja: 負荷}\n"                        \
	"      security-control: {rating: " e ", en: s, ja: 統制}\n"

static const char fixture_categories[] =
	"categories:\n"
	"  - {id: vulnerability, name: {en: Vulnerability management, ja: 脆弱性管理}}\n"
	"  - {id: account-authentication, name: {en: Accounts, ja: アカウント・認証管理}}\n"
	"  - {id: governance-risk, name: {en: Governance, ja: ガバナンス・リスク管理}}\n"
	"roles:\n"
	"  - {id: executive, name: {en: Executive, ja: 経営者}}\n"
	"  - {id: administrator, name: {en: Administrator, ja: 管理者}}\n"
	"  - {id: teleworker, name: {en: Teleworker, ja: 勤務者}}\n";

static const char fixture_methods[] =
	"axes:\n"
	"  - {id: work-reproducibility, name: {en: Office work, ja: 再現性}}\n"
	"  - {id: traffic-resilience, name: {en: Traffic, ja: 通信}}\n"
	"  - {id: introduction-cost, name: {en: Cost, ja: 費用}}\n"
	"  - {id: introduction-effort, name: {en: Effort, ja: 負荷}}\n"
	"  - {id: security-control, name: {en: Control, ja: 統制}}\n"
	"methods:\n"
	"  - id: vpn\n    number: 1\n    name: {en: VPN, ja: VPN方式}\n"
	"    description: {en: d, ja: 説明}\n    use_case: {en: u, ja: 用途}\n    ratings:\n"
	AXIS_RATINGS("S", "A", "B", "B", "C")
	"  - id: cloud\n    number: 6\n    name: {en: Cloud, ja: クラウド}\n"
	"    description: {en: d, ja: 説明}\n    use_case: {en: u, ja: 用途}\n    ratings:\n"
	AXIS_RATINGS("B", "S", "A", "A", "D");

static const char fixture_threats[] =
	"threats:\n  - {id: malware-infection, number: 2, name: {en: Malware, ja: マルウェア}}\n"
	"trouble_cases:\n  - {id: vpn-unpatched, number: 1, name: {en: VPN, ja: VPN}}\n";

static const char fixture_selection[] =
	"questions:\n"
	"  - id: cloud-based\n    text: {en: Cloud?, ja: クラウド?}\n    help: {en: h, ja: 補足}\n"
	"    default: no\n    yes: {methods: {cloud: 20}}\n    no: {}\n"
	"  - id: personal-devices\n    text: {en: BYOD?, ja: 私物?}\n    help: {en: h, ja: 補足}\n"
	"    default: no\n    yes: {axes: {security-control: 2}, methods: {vpn: -3}}\n";

static const char fixture_controls[] =
	"perspectives:\n  - {id: '2', audience: administrator, title: {en: Back, ja: 戻す}}\n"
	"controls:\n"
	"  - id: csaj-5.1.3\n    framework: csaj\n    item: '5.1.3'\n    source: seeds/004 5.1.3\n"
	"    category: vulnerability\n    role: administrator\n    importance: high\n"
	"    difficulty: low\n    csaj_level: shall\n    threats: [malware-infection]\n"
	"    title: {en: Patch the PC, ja: 修正を当てる}\n    text: {en: Patch it, ja: 修正する}\n"
	"  - id: csaj-6.1.2\n    framework: csaj\n    item: '6.1.2'\n    source: seeds/004 6.1.2\n"
	"    category: account-authentication\n    role: administrator\n    importance: high\n"
	"    difficulty: medium\n    csaj_level: shall\n"
	"    title: {en: Long passwords, ja: 長いパスワード}\n    text: {en: 12+, ja: 12 文字以上}\n"
	"  - id: jnsa-2-2\n    framework: jnsa\n    source: seeds/002 2\n    perspective: '2'\n"
	"    category: vulnerability\n    role: administrator\n    importance: high\n"
	"    difficulty: low\n    title: {en: Update before reconnecting, ja: 戻す前に更新}\n"
	"    text: {en: Update, ja: 更新}\n"
	"  - id: mic-vulnerability-administrator-2\n    framework: mic\n    item: C-2\n"
	"    source: seeds/001\n    category: vulnerability\n    role: administrator\n"
	"    importance: high\n    difficulty: medium\n    level: basic\n"
	"    methods: [vpn]\n    threats: [vpn-unpatched]\n"
	"    title: {en: Patch VPN devices, ja: VPN 機器の更新}\n    text: {en: Patch, ja: 更新}\n"
	"  - id: mic-governance-risk-executive-1\n    framework: mic\n    source: seeds/001 roles\n"
	"    category: governance-risk\n    role: executive\n    importance: medium\n"
	"    difficulty: low\n    title: {en: Set the direction, ja: 方針を示す}\n"
	"    text: {en: Decide, ja: 決める}\n"
	"  - id: duty-teleworker-1\n    framework: duty\n    source: seeds/000\n"
	"    category: account-authentication\n    role: teleworker\n    importance: low\n"
	"    difficulty: high\n    devices: personal\n    title: {en: Hard one, ja: 難しい}\n"
	"    text: {en: Hard, ja: 難しい}\n";

static const char fixture_profile[] =
	"profile:\n  id: jnsa-return\n  title: {en: Return, ja: 再接続}\n"
	"  description: {en: d, ja: 説明}\n  select: {frameworks: [jnsa]}\n"
	"  params: {min_len: 14}\n";

/* Adds the fixture guide to c (before catalog_finish). */
static inline int fixture_add_guide(struct catalog *c, struct errbuf *e)
{
	struct {
		const char *name, *text;
	} files[] = {{"controls/categories.yaml", fixture_categories},
		     {"controls/methods.yaml", fixture_methods},
		     {"controls/threats.yaml", fixture_threats},
		     {"controls/selection.yaml", fixture_selection},
		     {"controls/t.yaml", fixture_controls},
		     {"profiles/jnsa-return.yaml", fixture_profile}};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int r = catalog_add(c, files[i].name, files[i].text, strlen(files[i].text), e);
		if (r)
			return r;
	}
	return 0;
}

#endif
