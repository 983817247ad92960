/**
 * The window event the chat socket raises when the site-wide announcements changed (the
 * `announcements` frame): the banner island loads them again at once.
 */
export const ANNOUNCEMENTS_CHANGED = "tocsin:announcements";
