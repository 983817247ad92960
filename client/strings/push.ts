/** Strings of the installable app and Web Push (profile page, notification rules). */
export const en = {
  push_channel: "Push",
  push_title: "Phone and desktop notifications",
  push_help:
    "Get alerts as notifications on this device, even when Tocsin is closed. Then add a Push step to your notification rules on the On-call page.",
  push_enable: "Enable notifications on this device",
  push_enabled: "Notifications are on for this device.",
  push_denied:
    "This browser blocks notifications from Tocsin. Allow them in the site settings, then try again.",
  push_unsupported:
    "This browser cannot receive push notifications. On an iPhone, add Tocsin to the home screen first (Share, then Add to Home Screen) and open it from there.",
  push_devices: "Your devices",
  push_none:
    "No device yet. Click “Enable notifications on this device” on each phone or computer you want alerts on.",
  push_added: "Added",
  push_last_ok: "Last notification delivered",
  push_last_error: "Last problem",
  push_never: "not yet",
  push_remove: "Remove",
  push_removed: "Device removed.",
  push_install: "Install the app",
  push_install_help:
    "Install Tocsin to open it from the home screen or dock like an app, with its own window.",
  push_ios_hint: "On an iPhone or iPad: Share, then Add to Home Screen.",
  push_working: "Working…",
  ding_sys: "{actor} sent a DING to {users}",
};

export const zh: Record<keyof typeof en, string> = {
  push_channel: "推送",
  push_title: "手机和桌面通知",
  push_help:
    "在此设备上以系统通知接收告警，即使 Tocsin 未打开。然后在“值班”页面的通知规则中添加“推送”步骤。",
  push_enable: "在此设备上开启通知",
  push_enabled: "此设备已开启通知。",
  push_denied: "此浏览器阻止了 Tocsin 的通知。请在网站设置中允许后重试。",
  push_unsupported:
    "此浏览器无法接收推送通知。在 iPhone 上，请先将 Tocsin 添加到主屏幕（分享 → 添加到主屏幕），再从主屏幕打开。",
  push_devices: "你的设备",
  push_none: "还没有设备。在每台需要接收告警的手机或电脑上点击“在此设备上开启通知”。",
  push_added: "添加于",
  push_last_ok: "最近一次送达",
  push_last_error: "最近的问题",
  push_never: "尚无",
  push_remove: "移除",
  push_removed: "设备已移除。",
  push_install: "安装应用",
  push_install_help: "安装 Tocsin 后可从主屏幕或程序坞像应用一样打开，并拥有独立窗口。",
  push_ios_hint: "在 iPhone 或 iPad 上：分享 → 添加到主屏幕。",
  push_working: "处理中…",
  ding_sys: "{actor} 向 {users} 发送了 DING",
};
