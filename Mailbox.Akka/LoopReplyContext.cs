namespace Mailbox.Akka;

/// <summary>
/// What a loop handler knows about the message it is running: who sent it, which actor received it and which loop
/// runs it. <see cref="Reply"/> may be called from any thread, before or after the handler's awaits.
/// </summary>
/// <remarks>
/// A context belongs to one message until that message's handler task completes; then the actor may hand the same
/// instance to a later message (that is what keeps a handler that finishes synchronously free of allocations). Like
/// Akka's own <c>Sender</c>, use it inside the handler and its awaits, never from work the handler leaves running
/// after its task has completed.
/// </remarks>
public sealed class LoopReplyContext
{
    /// <summary>1 once <see cref="Reply"/> has been called for the current message; written by any thread.</summary>
    private int _replied;

    internal LoopReplyContext(IActorRef self, LoopActor loop, CancellationToken cancellationToken)
    {
        Sender = ActorRefs.Nobody;
        Self = self;
        Loop = loop;
        CancellationToken = cancellationToken;
    }

    /// <summary>The original sender (an <c>Ask</c>'s temporary actor, a remote actor, ...); Akka's dead letters when there was none.</summary>
    public IActorRef Sender { get; private set; }

    /// <summary>The Akka actor that hosts the loop; replies carry it as their sender.</summary>
    public IActorRef Self { get; }

    /// <summary>The loop that runs the handler.</summary>
    public LoopActor Loop { get; }

    /// <summary>Cancelled when the loop cancels its live handlers (a stop that timed out, an Immediate stop); pass it to the handler's own awaits.</summary>
    public CancellationToken CancellationToken { get; }

    /// <summary>Whether <see cref="Reply"/> has been called for this message.</summary>
    public bool HasReplied => Volatile.Read(ref _replied) != 0;

    /// <summary>Whether there is someone to reply to (the message was not sent with <c>ActorRefs.NoSender</c>).</summary>
    public bool HasSender => !Sender.IsNobody();

    /// <summary>Sends <paramref name="message"/> back to <see cref="Sender"/> through Akka, with <see cref="Self"/> as its sender; this completes an <c>Ask</c>, locally or remotely.</summary>
    /// <param name="message">The reply; it must be serializable when the sender is remote.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public void Reply(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Volatile.Write(ref _replied, 1);
        Sender.Tell(message, Self);
    }

    /// <summary>Readies the context for the next message; on the loop thread, in the hosting actor's turn, when no handler holds it.</summary>
    internal void Reset(IActorRef sender)
    {
        Sender = sender;
        _replied = 0;
    }
}
