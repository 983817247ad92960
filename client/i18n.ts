/**
 * English and Chinese UI strings. The language comes from the user's choice
 * (kept in localStorage), else the browser's language.
 */
import { signal } from "@preact/signals";

export type Lang = "en" | "zh";

const en = {
  app: "Tocsin",
  conversations: "Conversations",
  filter: "Filter conversations",
  newChat: "New chat",
  newDirect: "Message a person",
  newGroup: "New group",
  groupTitle: "Group name",
  searchPeople: "Search people by name or e-mail",
  members: "Members",
  addMembers: "Add members",
  add: "Add",
  remove: "Remove",
  leave: "Leave group",
  leaveConfirm: "Leave this group? You will no longer see its messages.",
  create: "Create",
  cancel: "Cancel",
  close: "Close",
  save: "Save",
  send: "Send",
  composer: "Write a message. Enter sends, Shift+Enter adds a line.",
  offline: "You are offline. Messages you write are kept and sent when the connection is back.",
  reconnecting: "Reconnecting…",
  today: "Today",
  yesterday: "Yesterday",
  sending: "Sending",
  queued: "Waiting for connection",
  failed: "Not sent",
  retry: "Retry",
  sent: "Sent",
  delivered: "Delivered",
  read: "Read",
  unread: "Unread",
  readBy: "Read by {n} of {m}",
  readByAll: "Read by all",
  loadingOlder: "Loading older messages…",
  beginning: "This is the beginning of the conversation.",
  noConversations: "No conversations yet. Start one with “New chat”.",
  pick: "Pick a conversation on the left, or start a new one.",
  notFound: "This conversation does not exist, or you are not a member of it.",
  back: "Back",
  info: "Group info",
  logout: "Log out",
  adminUsers: "Users",
  adminTeams: "Teams",
  language: "中文",
  soundOn: "Sound on",
  soundOff: "Sound off",
  notifyEnable: "Enable notifications",
  notifyOn: "Notifications on",
  setupTitle: "Set up Tocsin",
  setupIntro: "Create the first administrator account.",
  loginTitle: "Log in to Tocsin",
  email: "E-mail",
  name: "Name",
  password: "Password",
  logIn: "Log in",
  createAdmin: "Create administrator",
  users: "Users",
  teams: "Teams",
  createUser: "Create user",
  role: "Role",
  roleAdmin: "Administrator",
  roleMember: "Member",
  disable: "Disable",
  enable: "Enable",
  disabled: "Disabled",
  resetPassword: "Reset password",
  newPassword: "New password",
  teamName: "Team name",
  createTeam: "Create team",
  teamAdmin: "Team admin",
  makeAdmin: "Make team admin",
  makeMember: "Make member",
  owner: "Owner",
  groupAdmin: "Admin",
  you: "You",
  done: "Done",
  back_to_chat: "Back to chat",
  sysCreated: "{actor} created the group “{title}”",
  sysAdded: "{actor} added {users}",
  sysRemoved: "{actor} removed {users}",
  sysLeft: "{actor} left the group",
  sysRenamed: "{actor} renamed the group to “{title}”",
  sysRole: "{actor} made {users} {role}",
  someone: "Someone",
  newMessage: "New message from {name}",
  ack: "Acknowledge",
  resolve: "Resolve",
  reopen: "Reopen",
  assignMe: "Assign to me",
  statusTriggered: "Triggered",
  statusAcknowledged: "Acknowledged",
  statusResolved: "Resolved",
  ackedBy: "Acknowledged by {name}",
  resolvedBy: "Resolved by {name}",
  resolvedBySource: "Resolved by the source",
  assignee: "Assignee: {name}",
  due: "Due {when}",
  overdue: "Overdue",
  firing: "Fired {n}×",
  prioUrgent: "Urgent",
  prioHigh: "High",
  prioMedium: "Medium",
  prioLow: "Low",
  groupAlerts: "{firing} firing, {resolved} resolved",
  myTasks: "My tasks",
  noTasks: "No open alerts are assigned to you.",
  loadingAlert: "Loading alert…",
  thread: "Timeline and notes",
  threadPlaceholder: "Add a note, or type /ack, /resolve or /reopen",
  tlTriggered: "triggered it",
  tlRepeated: "fired again",
  tlAcknowledged: "acknowledged",
  tlResolved: "resolved",
  tlReopened: "reopened",
  tlNote: "noted",
  tlAssigned: "assigned",
  tlPriority: "changed the priority",
  tlNotified: "notified",
  tlUnreachable: "no verified contact outside the app",
  tlEscalated: "escalated",
  sysReminder: "Reminder: “{title}” is still not acknowledged. Notified: {users}",
  sysEscalated: "Escalated “{title}”. Notified: {users}",
  escalateNow: "Escalate now",
  oncall: "On call",
  notifications: "Notifications",
  templates: "Templates",
  variables: "Variables",
  subject: "Subject",
  body: "Body",
  resetTemplate: "Back to the built-in template",
  preview: "Preview",
  providers: "Providers",
  providersHelp: "Tried in this order; configure them with the API (docs/notifications.md).",
  myNotifications: "My notifications",
  verified: "verified",
  code: "Code",
  verify: "Verify",
  addContact: "Add contact",
  channel: "Channel",
  address: "Address",
  rules: "Rules",
  rulesHelp:
    "Minutes after you are notified in the app; empty: never. Nothing is sent once the alert is acknowledged.",
  reassign: "Assignee",
  quietShort: "quiet {from}–{to}",
  schedule: "Schedule",
  noSchedules: "This team has no on-call schedule yet (create one with the API: docs/paging.md).",
  nextWeeks: "The next two weeks",
  override: "override",
  takeShift: "Take a shift",
  shiftTaken: "The shift is yours.",
  from: "From",
  to: "To",
  quietHours: "Quiet hours",
  quietHoursHelp:
    "While they are on, reminders below urgent wait until they end. Urgent alerts always reach you.",
  quietOn: "On",
  timeZone: "Time zone",
  saved: "Saved.",
  dryRun: "Routing dry run",
  dryRunHelp:
    "Paste a payload as your monitoring tool sends it: see which route it takes and who would be notified, when.",
  integration: "Integration",
  samplePayload: "Sample payload",
  at: "At",
  route: "Route",
  priority: "Priority",
  level: "level",
} as const;

export type Key = keyof typeof en;

const zh: Record<Key, string> = {
  app: "Tocsin",
  conversations: "会话",
  filter: "筛选会话",
  newChat: "发起聊天",
  newDirect: "单聊",
  newGroup: "创建群聊",
  groupTitle: "群名称",
  searchPeople: "按姓名或邮箱搜索",
  members: "成员",
  addMembers: "添加成员",
  add: "添加",
  remove: "移除",
  leave: "退出群聊",
  leaveConfirm: "确定退出该群聊？退出后将看不到群消息。",
  create: "创建",
  cancel: "取消",
  close: "关闭",
  save: "保存",
  send: "发送",
  composer: "输入消息，Enter 发送，Shift+Enter 换行",
  offline: "网络已断开。你输入的消息会保留，恢复连接后自动发送。",
  reconnecting: "正在重新连接…",
  today: "今天",
  yesterday: "昨天",
  sending: "发送中",
  queued: "等待网络",
  failed: "发送失败",
  retry: "重试",
  sent: "已发送",
  delivered: "已送达",
  read: "已读",
  unread: "未读",
  readBy: "{n}/{m} 人已读",
  readByAll: "全部已读",
  loadingOlder: "正在加载更早的消息…",
  beginning: "这是会话的开始。",
  noConversations: "还没有会话。点击“发起聊天”开始。",
  pick: "在左侧选择一个会话，或发起新的聊天。",
  notFound: "会话不存在，或你不是该会话的成员。",
  back: "返回",
  info: "群信息",
  logout: "退出登录",
  adminUsers: "用户管理",
  adminTeams: "团队管理",
  language: "English",
  soundOn: "声音开",
  soundOff: "声音关",
  notifyEnable: "开启通知",
  notifyOn: "通知已开启",
  setupTitle: "初始化 Tocsin",
  setupIntro: "创建第一个管理员账号。",
  loginTitle: "登录 Tocsin",
  email: "邮箱",
  name: "姓名",
  password: "密码",
  logIn: "登录",
  createAdmin: "创建管理员",
  users: "用户",
  teams: "团队",
  createUser: "创建用户",
  role: "角色",
  roleAdmin: "管理员",
  roleMember: "成员",
  disable: "停用",
  enable: "启用",
  disabled: "已停用",
  resetPassword: "重置密码",
  newPassword: "新密码",
  teamName: "团队名称",
  createTeam: "创建团队",
  teamAdmin: "团队管理员",
  makeAdmin: "设为团队管理员",
  makeMember: "设为普通成员",
  owner: "群主",
  groupAdmin: "管理员",
  you: "你",
  done: "完成",
  back_to_chat: "返回聊天",
  sysCreated: "{actor} 创建了群聊“{title}”",
  sysAdded: "{actor} 邀请 {users} 加入了群聊",
  sysRemoved: "{actor} 将 {users} 移出了群聊",
  sysLeft: "{actor} 退出了群聊",
  sysRenamed: "{actor} 将群名称修改为“{title}”",
  sysRole: "{actor} 将 {users} 设为{role}",
  someone: "某人",
  newMessage: "{name} 发来新消息",
  ack: "认领",
  resolve: "解决",
  reopen: "重新打开",
  assignMe: "指派给我",
  statusTriggered: "未处理",
  statusAcknowledged: "已认领",
  statusResolved: "已解决",
  ackedBy: "{name} 已认领",
  resolvedBy: "{name} 已解决",
  resolvedBySource: "已由告警源恢复",
  assignee: "负责人：{name}",
  due: "截止 {when}",
  overdue: "已逾期",
  firing: "触发 {n} 次",
  prioUrgent: "紧急",
  prioHigh: "高",
  prioMedium: "中",
  prioLow: "低",
  groupAlerts: "{firing} 条告警中，{resolved} 条已恢复",
  myTasks: "我的任务",
  noTasks: "没有指派给你的未解决告警。",
  loadingAlert: "正在加载告警…",
  thread: "处理记录与备注",
  threadPlaceholder: "添加备注，或输入 /ack、/resolve、/reopen",
  tlTriggered: "触发了告警",
  tlRepeated: "再次触发",
  tlAcknowledged: "认领了告警",
  tlResolved: "解决了告警",
  tlReopened: "重新打开了告警",
  tlNote: "添加了备注",
  tlAssigned: "指派了负责人",
  tlPriority: "修改了优先级",
  tlNotified: "发出了通知",
  tlUnreachable: "没有已验证的应用外联系方式",
  tlEscalated: "升级了告警",
  sysReminder: "提醒：“{title}” 仍未认领。已通知：{users}",
  sysEscalated: "告警“{title}”已升级。已通知：{users}",
  escalateNow: "立即升级",
  oncall: "值班",
  notifications: "通知设置",
  templates: "消息模板",
  variables: "变量",
  subject: "主题",
  body: "正文",
  resetTemplate: "恢复内置模板",
  preview: "预览",
  providers: "通知服务商",
  providersHelp: "按此顺序尝试；通过 API 配置（见 docs/notifications.md）。",
  myNotifications: "我的通知",
  verified: "已验证",
  code: "验证码",
  verify: "验证",
  addContact: "添加联系方式",
  channel: "渠道",
  address: "地址",
  rules: "通知规则",
  rulesHelp: "在应用内收到通知后多少分钟；留空表示不发送。告警被认领后不再发送。",
  reassign: "负责人",
  quietShort: "免打扰 {from}–{to}",
  schedule: "值班表",
  noSchedules: "该团队还没有值班表（可通过 API 创建，见 docs/paging.md）。",
  nextWeeks: "未来两周",
  override: "替班",
  takeShift: "认领班次",
  shiftTaken: "该班次已由你值班。",
  from: "开始",
  to: "结束",
  quietHours: "免打扰时段",
  quietHoursHelp: "开启期间，非紧急告警的提醒会推迟到时段结束；紧急告警始终会通知你。",
  quietOn: "开启",
  timeZone: "时区",
  saved: "已保存。",
  dryRun: "路由试运行",
  dryRunHelp: "粘贴监控工具发送的原始数据，查看会匹配哪条路由、何时通知谁。",
  integration: "集成",
  samplePayload: "示例数据",
  at: "时间",
  route: "路由",
  priority: "优先级",
  level: "级别",
};

const DICTS: Record<Lang, Record<Key, string>> = { en, zh };

/** Picks a language from an Accept-Language header or navigator.languages. */
export function pickLang(prefs: readonly string[]): Lang {
  for (const p of prefs) {
    const l = p.trim().toLowerCase();
    if (l.startsWith("zh")) return "zh";
    if (l.startsWith("en")) return "en";
  }
  return "en";
}

/** The language chosen in this browser (browser only: the server renders from island props). */
export const lang = signal<Lang>("en");

export type Translate = (key: Key, vars?: Record<string, string | number>) => string;

/** The string for `key` in language `l`, with `{var}` filled in. */
export function translate(l: Lang, key: Key, vars: Record<string, string | number> = {}): string {
  const s = DICTS[l][key] ?? en[key];
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? ""));
}

/** A translator bound to one language, for passing to components. */
export function translator(l: Lang): Translate {
  return (key, vars) => translate(l, key, vars);
}

/** The string for `key` in the browser's current language (for the client runtime). */
export function t(key: Key, vars: Record<string, string | number> = {}): string {
  return translate(lang.value, key, vars);
}

const IS_BROWSER = typeof document !== "undefined";
let langStarted = false;

/**
 * An island's language and translator. On the server it is the page's language from the
 * island's props, and nothing global is touched; in the browser the saved or page language is
 * applied once, and the island re-renders when the user switches.
 */
export function useLocale(pageLang: Lang): { lang: Lang; t: Translate } {
  if (!IS_BROWSER) return { lang: pageLang, t: translator(pageLang) };
  if (!langStarted) {
    langStarted = true;
    initLang(pageLang);
  }
  return { lang: lang.value, t: translator(lang.value) };
}

/** Applies the saved or browser language (browser only). */
export function initLang(serverLang: Lang): void {
  lang.value = serverLang;
  try {
    const saved = localStorage.getItem("tocsin.lang");
    if (saved === "en" || saved === "zh") lang.value = saved;
  } catch {
    // storage blocked
  }
  document.documentElement.lang = lang.value === "zh" ? "zh-CN" : "en";
}

export function toggleLang(): void {
  lang.value = lang.value === "en" ? "zh" : "en";
  document.documentElement.lang = lang.value === "zh" ? "zh-CN" : "en";
  try {
    localStorage.setItem("tocsin.lang", lang.value);
  } catch {
    // storage blocked
  }
}
