namespace Mailbox.Akka;

/// <summary>
/// The state of one hosting actor that outlives its instances: the loop, the counters of <see cref="LoopActorStopped"/>
/// and the reply context handed to the next handler. Held by the actor's <see cref="LoopDispatcher"/>.
/// </summary>
/// <remarks>
/// Threads. The fields under "actor turns" are touched only by the actor's own turns (its constructor, receive and
/// stop hooks), which Akka runs one at a time with a happens-before edge between them: on the loop thread while the loop
/// runs, on pool threads after it. Handlers' completions, which run on the loop thread outside any turn, touch only the
/// thread-safe members (<see cref="HandlerStop"/>, <see cref="LoopReplyContext.Reply"/>).
/// </remarks>
internal sealed class LoopHost
{
    public LoopHost(LoopHostSpec spec, LoopActor loop)
    {
        Spec = spec;
        Loop = loop;
    }

    /// <summary>Name, handler and settings.</summary>
    public LoopHostSpec Spec { get; }

    /// <summary>The loop the actor runs on.</summary>
    public LoopActor Loop { get; }

    /// <summary>Cancelled when the loop cancels a live handler (an Immediate stop, a stop timeout): the token every <see cref="LoopReplyContext"/> carries. Thread-safe.</summary>
    public CancellationTokenSource HandlerStop { get; } = new();

    // ---- Actor turns. ----

    /// <summary>Messages received (the actor's own control messages not counted).</summary>
    public long Received { get; set; }

    /// <summary>Messages whose handler was called.</summary>
    public long Handled { get; set; }

    /// <summary>Messages published as dead letters instead.</summary>
    public long DeadLetters { get; set; }

    /// <summary>Whether a <see cref="DrainAndStop"/> (or the loop's own end) has closed the actor to new messages.</summary>
    public bool Closed { get; set; }

    /// <summary>Whether <see cref="LoopActorStopped"/> has been published (or is scheduled to be).</summary>
    public bool Published { get; set; }

    /// <summary>The context the next handler gets; replaced when a handler keeps its context by going asynchronous.</summary>
    public LoopReplyContext? SpareContext { get; set; }
}
