/** Tocsin's release version, shown on the admin System page and in `tocsin_build_info`. */
export const VERSION = "0.1.0";
