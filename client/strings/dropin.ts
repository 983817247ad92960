/** Strings of the integrations page's drop-in settings and snippets (prefix intd_). */
export const en = {
  intd_pdKey: "PagerDuty-style routing key (32 characters), for senders that check its length",
  intd_enqueueUrl: "PagerDuty URL",
  intd_enqueueHelp:
    "PagerDuty senders keep their configuration: change only the base URL to Tocsin's. The routing key selects this integration.",
  intd_sigHeader:
    "Signature header (empty: X-Grafana-Alerting-Signature or X-Grafana-Alert-Signature)",
  intd_tsHeader: "Timestamp header (empty: X-Grafana-Alerting-Timestamp)",
  intd_headers: "Signature header",
  intd_headersDefault: "X-Grafana-Alerting-Signature or X-Grafana-Alert-Signature",
  intd_zabbixUrl: "Zabbix URL for two-way (optional), e.g. https://zabbix.example.com",
  intd_zabbixToken: "Zabbix API token",
  intd_zabbixTokenKeep: "Zabbix API token (empty: keep the stored one)",
  intd_twoWay: "Two-way",
  intd_twoWayOn: "acknowledgements, resolves and notes are sent to {url}",
  intd_twoWayOff: "off: set a Zabbix URL and API token to send acknowledgements back",
  intd_twoWayHelp:
    "Two-way: in Zabbix create an API token (Users → API tokens) for a user who may acknowledge and close problems, and enter it with the Zabbix URL. Zabbix 6.4 or later.",
  intd_turnOff: "Turn off two-way",
  intd_settings: "Settings",
  intd_save: "Save",
  intd_saved: "Saved.",
  intd_amBasic: "Alertmanager with basic_auth (alertmanager.yml)",
  intd_grafanaBasic: "Grafana contact point with basic authentication",
  intd_amPagerduty: "Alertmanager pagerduty_configs (alertmanager.yml)",
  intd_pdClients: "Any PagerDuty Events API v2 sender (go-pagerduty, pdjs, Grafana, Zabbix)",
  intd_zabbixTest: "The media type's Test button is answered with a test reply; it opens no alert.",
} as const;

export const zh: Record<keyof typeof en, string> = {
  intd_pdKey: "PagerDuty 格式的路由密钥（32 个字符），供检查密钥长度的发送方使用",
  intd_enqueueUrl: "PagerDuty 地址",
  intd_enqueueHelp:
    "PagerDuty 发送方无需改动配置：只需把基础地址改成 Tocsin 的地址。路由密钥决定发往哪个集成。",
  intd_sigHeader: "签名请求头（留空：X-Grafana-Alerting-Signature 或 X-Grafana-Alert-Signature）",
  intd_tsHeader: "时间戳请求头（留空：X-Grafana-Alerting-Timestamp）",
  intd_headers: "签名请求头",
  intd_headersDefault: "X-Grafana-Alerting-Signature 或 X-Grafana-Alert-Signature",
  intd_zabbixUrl: "双向同步用的 Zabbix 地址（可选），例如 https://zabbix.example.com",
  intd_zabbixToken: "Zabbix API 令牌",
  intd_zabbixTokenKeep: "Zabbix API 令牌（留空：保留已保存的令牌）",
  intd_twoWay: "双向同步",
  intd_twoWayOn: "确认、解决和备注会发送到 {url}",
  intd_twoWayOff: "未开启：设置 Zabbix 地址和 API 令牌即可把确认同步回 Zabbix",
  intd_twoWayHelp:
    "双向同步：在 Zabbix 中为有权确认和关闭问题的用户创建 API 令牌（用户 → API 令牌），并与 Zabbix 地址一起填在这里。需要 Zabbix 6.4 或更高版本。",
  intd_turnOff: "关闭双向同步",
  intd_settings: "设置",
  intd_save: "保存",
  intd_saved: "已保存。",
  intd_amBasic: "使用 basic_auth 的 Alertmanager（alertmanager.yml）",
  intd_grafanaBasic: "使用基本认证的 Grafana 联络点",
  intd_amPagerduty: "Alertmanager pagerduty_configs（alertmanager.yml）",
  intd_pdClients: "任何 PagerDuty Events API v2 发送方（go-pagerduty、pdjs、Grafana、Zabbix）",
  intd_zabbixTest: "媒介类型的“测试”按钮会收到测试回复，不会创建告警。",
};
