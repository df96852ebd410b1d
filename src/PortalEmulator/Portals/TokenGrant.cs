namespace PortalEmulator.Portals;

/// <summary>An OAuth token pair issued to one user of one portal for one app.</summary>
public sealed class TokenGrant
{
    public required string AccessToken { get; init; }
    public required string RefreshToken { get; init; }
    public required Portal Portal { get; init; }
    public required int UserId { get; init; }
    public required string ClientId { get; init; }
    public required DateTimeOffset ExpiresAt { get; init; }
    public bool ForcedExpired { get; set; }
    public bool RefreshUsed { get; set; }

    public bool IsExpired(DateTimeOffset now) => ForcedExpired || now >= ExpiresAt;
}

public sealed record OAuthLogEntry(string Path, string? GrantType, string? ClientId, int Status, string? Error);
