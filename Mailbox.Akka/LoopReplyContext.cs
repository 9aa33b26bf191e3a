namespace Mailbox.Akka;

/// <summary>
/// What a loop handler knows about the message it is running: who sent it, which actor received it and which loop
/// runs it. One per message. <see cref="Reply"/> may be called from any thread, before or after the handler's awaits.
/// </summary>
public sealed class LoopReplyContext
{
    /// <summary>1 once <see cref="Reply"/> has been called; written by any thread.</summary>
    private int _replied;

    internal LoopReplyContext(IActorRef sender, IActorRef self, LoopActor loop)
    {
        Sender = sender;
        Self = self;
        Loop = loop;
    }

    /// <summary>The original sender (an <c>Ask</c>'s temporary actor, a remote actor, ...); Akka's dead letters when there was none.</summary>
    public IActorRef Sender { get; }

    /// <summary>The Akka actor that hosts the loop; replies carry it as their sender.</summary>
    public IActorRef Self { get; }

    /// <summary>The loop that runs the handler.</summary>
    public LoopActor Loop { get; }

    /// <summary>Cancelled when a stop's timeout cancels the handler; pass it to the handler's own awaits.</summary>
    public CancellationToken CancellationToken { get; internal set; }

    /// <summary>Whether <see cref="Reply"/> has been called for this message.</summary>
    public bool HasReplied => Volatile.Read(ref _replied) != 0;

    /// <summary>Whether there is someone to reply to (the message was not sent with <c>ActorRefs.NoSender</c>).</summary>
    public bool HasSender => !Sender.IsNobody();

    /// <summary>Whether the handler has started; set on the loop thread before it runs.</summary>
    internal bool Started { get; set; }

    /// <summary>Sends <paramref name="message"/> back to <see cref="Sender"/> through Akka, with <see cref="Self"/> as its sender; this completes an <c>Ask</c>, locally or remotely.</summary>
    /// <param name="message">The reply; it must be serializable when the sender is remote.</param>
    /// <exception cref="ArgumentNullException"><paramref name="message"/> is null.</exception>
    public void Reply(object message)
    {
        ArgumentNullException.ThrowIfNull(message);
        Volatile.Write(ref _replied, 1);
        Sender.Tell(message, Self);
    }
}
