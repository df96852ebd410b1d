using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace B24CallListApp.Portals;

/// <summary>One open of the app by one user of one portal.</summary>
/// <param name="Id">Random, per open: form tokens are bound to it.</param>
/// <param name="StartedAt">When the portal opened the app; renewals never pass <see cref="PageSessions.MaxLifetime"/> from here.</param>
/// <param name="UserName">The user's name as the portal gave it at the open, for the pages to show.</param>
public sealed record PageSession(string MemberId, long UserId, string Language, string Id, DateTimeOffset StartedAt, string UserName = "");

/// <summary>
/// The app runs in a cross-site iframe where cookies are blocked or partitioned, so each verified
/// open hands the page a short-lived, signed and encrypted session that its later requests present
/// (in a form field or the <see cref="HeaderName"/> header, never in a URL). Each page the app
/// serves carries a renewed one, so a page in use keeps working; an idle one expires.
/// </summary>
public sealed class PageSessions(IDataProtectionProvider provider, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxLifetime = TimeSpan.FromHours(12);
    public const string HeaderName = "X-B24-Session";
    public const string FieldName = "__session";

    readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("B24CallListApp.PageSession.v2").ToTimeLimitedDataProtector();

    public PageSession Start(string memberId, long userId, string language, string userName = "") =>
        new(memberId, userId, language, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), time.GetUtcNow(), userName);

    /// <summary>When a session issued now expires: an hour from now, but never past its open's maximum.</summary>
    public DateTimeOffset ExpiresAt(PageSession session)
    {
        var now = time.GetUtcNow();
        return session.StartedAt + MaxLifetime < now + Lifetime ? session.StartedAt + MaxLifetime : now + Lifetime;
    }

    public string Issue(PageSession session)
    {
        var expires = ExpiresAt(session);
        return _protector.Protect(string.Join('\n', session.MemberId, session.UserId.ToString(CultureInfo.InvariantCulture), session.Language, session.Id,
            session.StartedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), session.UserName.ReplaceLineEndings(" ")), expires);
    }

    public PageSession? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(token, out var expiration).Split('\n');
            if (expiration < time.GetUtcNow() || parts.Length != 6
                || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var userId)
                || !long.TryParse(parts[4], NumberStyles.Integer, CultureInfo.InvariantCulture, out var started))
            {
                return null;
            }

            return new PageSession(parts[0], userId, parts[2], parts[3], DateTimeOffset.FromUnixTimeSeconds(started), parts[5]);
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}

/// <summary>
/// Antiforgery without cookies: every form that changes data carries a token bound to the page
/// session's id and to the form's purpose, so a token from another session, another form or an
/// expired page is refused.
/// </summary>
public sealed class FormTokens(IDataProtectionProvider provider, TimeProvider time)
{
    public const string FieldName = "__form";

    readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("B24CallListApp.FormToken.v1").ToTimeLimitedDataProtector();

    public string Issue(PageSession session, string purpose) =>
        _protector.Protect(session.Id + "\n" + purpose, time.GetUtcNow() + PageSessions.Lifetime);

    public bool IsValid(PageSession session, string purpose, string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
        {
            return false;
        }

        try
        {
            var value = _protector.Unprotect(token, out var expiration);
            return expiration >= time.GetUtcNow() && CryptographicOperations.FixedTimeEquals(
                System.Text.Encoding.UTF8.GetBytes(value), System.Text.Encoding.UTF8.GetBytes(session.Id + "\n" + purpose));
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
