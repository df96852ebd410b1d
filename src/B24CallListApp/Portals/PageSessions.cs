using System.Globalization;
using Microsoft.AspNetCore.DataProtection;

namespace B24CallListApp.Portals;

public sealed record PageSession(string MemberId, long UserId, string Language);

/// <summary>
/// The app runs in a cross-site iframe where cookies are blocked or partitioned, so each verified
/// open hands the page a short-lived, signed and encrypted session that its later requests present.
/// </summary>
public sealed class PageSessions(IDataProtectionProvider provider, TimeProvider time)
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromHours(1);
    public const string HeaderName = "X-B24-Session";

    readonly ITimeLimitedDataProtector _protector = provider.CreateProtector("B24CallListApp.PageSession.v1").ToTimeLimitedDataProtector();

    public string Issue(PageSession session) =>
        _protector.Protect(string.Join('\n', session.MemberId, session.UserId.ToString(CultureInfo.InvariantCulture), session.Language), time.GetUtcNow() + Lifetime);

    public PageSession? Read(string? token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        try
        {
            var parts = _protector.Unprotect(token, out var expiration).Split('\n');
            if (expiration < time.GetUtcNow() || parts.Length != 3 || !long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var userId))
            {
                return null;
            }

            return new PageSession(parts[0], userId, parts[2]);
        }
        catch (System.Security.Cryptography.CryptographicException)
        {
            return null;
        }
    }
}
