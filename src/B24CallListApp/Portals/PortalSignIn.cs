using B24CallListApp.Bitrix24;
using B24CallListApp.Data;

namespace B24CallListApp.Portals;

public enum SignInOutcome
{
    SignedIn,
    Refused,
    NotInstalled,
    Uninstalled,
    Failed,
}

/// <summary>Who opened the app: the portal, the user's account and what the portal says about the user.</summary>
public sealed record SignedInUser(PortalRecord Portal, Bitrix24Account Account, string Name, bool Admin);

public sealed record SignInResult(SignInOutcome Outcome, VerifiedPortal? Portal = null, SignedInUser? User = null, VerificationFailure? Failure = null, Bitrix24Exception? Error = null);

/// <summary>
/// Every open of the app (its page or a placement): the POST is verified, the user's fresh tokens
/// stored, and the user read from the portal with their own rights.
/// </summary>
public sealed class PortalSignIn(PortalVerifier verifier, PortalStore store, Bitrix24Client client, PortalFailures failures, TimeProvider time)
{
    public async Task<SignInResult> SignInAsync(FramePost post, CancellationToken ct)
    {
        var (verified, failure) = await verifier.VerifyAsync(post.AuthId, post.MemberId, post.Domain, post.ServerEndpoint, ct);
        if (verified is null)
        {
            return new(SignInOutcome.Refused, Failure: failure);
        }

        var portal = await store.FindAsync(verified.Info.MemberId, ct);
        if (portal is null || portal.Status == PortalStatus.Uninstalled)
        {
            return new(portal is null ? SignInOutcome.NotInstalled : SignInOutcome.Uninstalled, verified);
        }

        // A verified open proves the app works in this portal again, whatever an earlier failure said.
        var grant = new AccountGrant(verified.Info.UserId, post.AuthId, post.RefreshId, time.GetUtcNow().AddSeconds(post.ExpiresIn));
        portal = await store.SaveAsync(verified, grant, new PortalChange(PortalStatus.Active), ct);
        var account = PortalStore.AccountOf(portal, verified.Info.UserId);
        try
        {
            var profile = Profile.Read((await client.CallAsync(account, new Profile(), ct)).Result);
            await store.SetAdminAsync(account.Key, profile.Admin, ct);
            return new(SignInOutcome.SignedIn, verified, new SignedInUser(portal, account, profile.Name, profile.Admin));
        }
        catch (Bitrix24Exception e)
        {
            await failures.RecordAsync(account.Key, e, ct);
            return new(SignInOutcome.Failed, verified, Error: e);
        }
    }
}
