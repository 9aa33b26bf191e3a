namespace TestingYourLoops;

/// <summary>
/// The tests' sink: records what the service did, with the virtual time, and refuses the first deliveries when told to.
/// Written by the loop's thread; the tests read it after <c>AdvanceAsync</c> / <c>RunUntilIdleAsync</c> have settled.
/// </summary>
public sealed class RecordingSink(TimeProvider clock, int refuseFirst = 0) : IReminderSink
{
    private int _refusalsLeft = refuseFirst;

    /// <summary>Every delivery attempt: the text, when, and whether it was accepted.</summary>
    public List<(string Text, DateTimeOffset At, bool Accepted)> Attempts { get; } = [];

    /// <summary>Every digest: the pending count, and when.</summary>
    public List<(int Pending, DateTimeOffset At)> Digests { get; } = [];

    /// <summary>What the loop was when the sink was called: to check the service never calls it from elsewhere.</summary>
    public List<string?> CalledFrom { get; } = [];

    public bool TryDeliver(string text)
    {
        CalledFrom.Add(Mailbox.LoopActor.Current?.Name);
        bool accepted = _refusalsLeft-- <= 0;
        Attempts.Add((text, clock.GetUtcNow(), accepted));
        return accepted;
    }

    public void Digest(int pending)
    {
        CalledFrom.Add(Mailbox.LoopActor.Current?.Name);
        Digests.Add((pending, clock.GetUtcNow()));
    }
}
