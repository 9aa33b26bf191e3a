namespace Mailbox;

/// <summary>
/// The loop's <see cref="SynchronizationContext"/>, installed on the loop thread so that every <c>await</c> in a coroutine
/// resumes there. <see cref="Post"/> queues a step (from the loop thread into its local ready queue, from any other thread
/// into the step inbox); <see cref="Send"/> runs inline on the loop thread and otherwise posts and blocks until done.
/// Equality is identity: one context per loop.
/// </summary>
internal sealed class LoopSynchronizationContext : SynchronizationContext
{
    /// <summary>The loop.</summary>
    private readonly LoopActor _loop;

    public LoopSynchronizationContext(LoopActor loop) => _loop = loop;

    /// <summary>The loop this context posts to.</summary>
    public LoopActor Loop => _loop;

    public override void Post(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        _loop.EnqueueStep(new Envelope(d, state));
    }

    public override void Send(SendOrPostCallback d, object? state)
    {
        ArgumentNullException.ThrowIfNull(d);
        if (_loop.IsOnLoopThread)
        {
            d(state);
            return;
        }

        _loop.RunUntilComplete(() =>
        {
            d(state);
            return Task.CompletedTask;
        });
    }

    public override SynchronizationContext CreateCopy() => this;

    public override bool Equals(object? obj) => ReferenceEquals(this, obj);

    public override int GetHashCode() => _loop.GetHashCode();
}
