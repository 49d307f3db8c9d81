/* SPDX-License-Identifier: Apache-2.0 */
#include "core/i18n.h"

#include <stdbool.h>
#include <string.h>

static const char *const texts[M_COUNT][2] = {
	[M_REPORT_TITLE] = {"mamori telework security report", "mamori テレワークセキュリティ診断レポート"},
	[M_HOST] = {"Host", "端末"},
	[M_OS] = {"OS", "OS"},
	[M_ROOT] = {"Audited root", "診断対象のルート"},
	[M_GENERATED] = {"Generated", "作成日時"},
	[M_POLICY] = {"Policy", "ポリシー"},
	[M_SUMMARY] = {"Summary", "概要"},
	[M_PASS] = {"pass", "適合"},
	[M_FAIL] = {"fail", "不適合"},
	[M_UNKNOWN] = {"unknown", "判定不能"},
	[M_NOT_APPLICABLE] = {"not applicable", "対象外"},
	[M_DISABLED] = {"switched off", "無効化"},
	[M_FOUND] = {"Found", "検出内容"},
	[M_WHY] = {"Why it matters", "なぜ重要か"},
	[M_FIX] = {"How to fix", "対処方法"},
	[M_REFS] = {"Guidance", "ガイドライン"},
	[M_UNKNOWN_BECAUSE] = {"Could not decide", "判定できなかった理由"},
	[M_DISABLED_BECAUSE] = {"Switched off by the policy", "ポリシーで無効化"},
	[M_ALL_PASS] = {"Every applicable check passed.", "該当するすべての項目に適合しています。"},
	[M_PASSING_HIDDEN] = {"checks that pass or do not apply are not shown; --verbose lists them", "件の適合・対象外の項目は省略しました。--verbose で表示します"},
	[M_SEVERITY_INFO] = {"info", "情報"},
	[M_SEVERITY_LOW] = {"low", "低"},
	[M_SEVERITY_MEDIUM] = {"medium", "中"},
	[M_SEVERITY_HIGH] = {"high", "高"},
	[M_SEVERITY_CRITICAL] = {"critical", "緊急"},
	[M_TOPIC] = {"Topic", "分野"},
	[M_CHECK] = {"Check", "チェック"},
	[M_STATUS] = {"Status", "結果"},
	[M_SEVERITY] = {"Severity", "重要度"},
	[M_EVIDENCE] = {"Evidence", "根拠"},
	[M_FACT_UNKNOWN] = {"not known", "不明"},
	[M_LAN_TITLE] = {"mamori home network report", "mamori 自宅ネットワーク診断"},
	[M_LAN_ROUTER] = {"Router", "ルーター"},
	[M_LAN_GATEWAY] = {"Gateway", "ゲートウェイ"},
	[M_LAN_MODEL] = {"Model", "機種"},
	[M_LAN_FIRMWARE] = {"Firmware", "ファームウェア"},
	[M_LAN_UPNP] = {"UPnP port opening", "UPnP によるポート開放"},
	[M_LAN_UPNP_ON] = {"on: programs on the LAN can open ports to the Internet", "有効: LAN 内のプログラムがインターネットへポートを開けられます"},
	[M_LAN_UPNP_OFF] = {"off (no UPnP answer on the LAN)", "無効 (LAN 内で UPnP の応答なし)"},
	[M_LAN_EXTERNAL] = {"Internet address", "インターネット側アドレス"},
	[M_LAN_MAPPINGS] = {"Ports open to the Internet", "インターネットに開いているポート"},
	[M_LAN_NONE] = {"none", "なし"},
	[M_LAN_RISKY] = {"risky", "危険"},
	[M_LAN_ADMIN] = {"Administration page", "管理画面"},
	[M_LAN_PLAIN_HTTP] = {"plain HTTP: its password crosses the LAN unencrypted", "暗号化なしの HTTP: パスワードが LAN を平文で流れます"},
	[M_LAN_NOT_PLAIN] = {"not served over plain HTTP", "暗号化なしの HTTP では提供されていません"},
	[M_LAN_WIFI] = {"Wi-Fi in use", "使用中の無線LAN"},
	[M_LAN_NOT_WIFI] = {"not connected over Wi-Fi", "無線LAN では接続していません"},
	[M_LAN_OPEN_AUTO] = {"Saved open networks that connect by themselves", "自動で接続する、暗号化なしの保存済みネットワーク"},
	[M_LAN_DEVICES] = {"Devices on the home network", "自宅ネットワーク上の機器"},
	[M_LAN_THIS_PC] = {"This PC", "この PC"},
	[M_LAN_ROLE_ROUTER] = {"router", "ルーター"},
	[M_LAN_ROLE_PRINTER] = {"printer", "プリンター"},
	[M_LAN_ROLE_OTHER] = {"other device", "その他の機器"},
	[M_LAN_FW_BLOCKED] = {"blocked by this PC's firewall", "この PC のファイアウォールで遮断"},
	[M_LAN_FW_OPEN] = {"can reach this PC on", "この PC に接続できるポート:"},
	[M_LAN_FW_UNKNOWN] = {"not known whether the firewall blocks it", "遮断されているか判定できません"},
	[M_LAN_NO_NEIGHBOURS] = {"no other device seen (mamori lan --discover looks for them)", "他の機器は見つかりません (mamori lan --discover で探索します)"},
	[M_LAN_ANY_DEVICE] = {"A device that joins the LAN later could reach this PC on", "後から LAN につながる機器もこの PC に接続できるポート:"},
	[M_LAN_FINDINGS] = {"What to change", "見直すべき点"},
	[M_LAN_FIX_RULES] = {"Firewall rules for this PC that let in only the router and the printers (nftables; run as root)", "ルーターとプリンターだけを受け入れる、この PC 用のファイアウォール規則 (nftables、root で実行)"},
};

const char *msg(const char *lang, enum msg m)
{
	if ((unsigned)m >= M_COUNT)
		return "";
	return texts[m][lang && strcmp(lang, "ja") == 0 ? 1 : 0];
}

const char *severity_label(const char *lang, int sev)
{
	static const enum msg m[] = {M_SEVERITY_INFO, M_SEVERITY_LOW, M_SEVERITY_MEDIUM,
				     M_SEVERITY_HIGH, M_SEVERITY_CRITICAL};
	return sev >= 0 && sev < 5 ? msg(lang, m[sev]) : "?";
}

static const struct {
	const char *topic, *en, *ja;
} topic_names[] = {
	{"patch", "Security updates", "セキュリティ更新"},
	{"eol", "Support lifetime", "サポート期限"},
	{"antivirus", "Antivirus", "ウイルス対策"},
	{"disk-encryption", "Disk encryption", "ディスク暗号化"},
	{"firewall", "Firewall", "ファイアウォール"},
	{"file-sharing", "File sharing and discovery", "ファイル共有とネットワーク探索"},
	{"remote-desktop", "Remote desktop", "リモートデスクトップ"},
	{"local-admin", "Administrator accounts", "管理者アカウント"},
	{"password-policy", "Password policy", "パスワードポリシー"},
	{"lockout", "Account lockout", "アカウントロックアウト"},
	{"wifi", "Wi-Fi", "無線LAN"},
	{"router-exposure", "Home router exposure", "ルーターの公開状況"},
	{"radios", "Radios (Bluetooth)", "無線機能 (Bluetooth)"},
	{"screen-lock", "Screen lock", "画面ロック"},
	{"time-sync", "Clock synchronization", "時刻同期"},
	{"log-retention", "Log retention", "ログの保存"},
	{"usb-storage", "USB storage", "USB記憶媒体"},
	{"software-inventory", "Software inventory", "ソフトウェア資産管理"},
	{"remote-access-tool", "Remote access tools", "遠隔操作ツール"},
	{"legacy-protocol", "Legacy protocols", "旧式プロトコル"},
	{"tls", "TLS", "TLS (暗号化通信)"},
	{"ssh", "SSH", "SSH"},
	{"mfa", "Multi-factor authentication", "多要素認証"},
	{"backup", "Backup", "バックアップ"},
};

const char *topic_label(const char *lang, const char *topic)
{
	bool ja = lang && strcmp(lang, "ja") == 0;
	for (size_t i = 0; i < sizeof(topic_names) / sizeof(topic_names[0]); i++)
		if (strcmp(topic_names[i].topic, topic) == 0)
			return ja ? topic_names[i].ja : topic_names[i].en;
	return topic;
}

const char *lang_from_env(const char *lc_all, const char *lc_messages, const char *lang)
{
	/* POSIX precedence: LC_ALL, then LC_MESSAGES, then LANG. */
	const char *v = lc_all && *lc_all ? lc_all : lc_messages && *lc_messages ? lc_messages : lang;
	return v && strncmp(v, "ja", 2) == 0 && (v[2] == '_' || v[2] == '\0' || v[2] == '.') ? "ja"
											       : "en";
}
