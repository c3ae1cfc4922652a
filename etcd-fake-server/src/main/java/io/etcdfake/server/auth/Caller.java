package io.etcdfake.server.auth;

/**
 * Who sent a request, as resolved from its token: a user name and the auth revision the token was
 * checked at. {@link #NONE} is a request without a token (or any request while auth is off).
 */
public record Caller(String user, long authRevision) {
  public static final Caller NONE = new Caller("", 0);

  public boolean isAnonymous() {
    return authRevision == 0 || user.isEmpty();
  }
}
