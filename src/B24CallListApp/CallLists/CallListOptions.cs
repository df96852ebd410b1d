namespace B24CallListApp.CallLists;

/// <summary>Limits of the workspace, bound from <c>CallLists:*</c>.</summary>
public sealed class CallListOptions
{
    public const string Section = "CallLists";

    /// <summary>Most participants one list may hold after a save (Bitrix24's own UI stops at 500; we do not).</summary>
    public int MaxParticipants { get; set; } = 100_000;
}
