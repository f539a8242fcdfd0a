import { requestToken } from '../sdk/video.js';

const USER_KEY = 'sightline.user';

/**
 * This browser's user name, made once and kept in localStorage, so a reload
 * (and the call page) gets tokens for the same owner and sees the same videos.
 */
export function rememberedUser(): string {
  let user = localStorage.getItem(USER_KEY);
  if (!user) {
    user = `web-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(USER_KEY, user);
  }
  return user;
}

/** A fresh session token for the remembered user. */
export function sessionToken(): Promise<string> {
  return requestToken({ user: rememberedUser() });
}
