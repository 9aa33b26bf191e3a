namespace Mailbox;

/// <summary>
/// Work the library itself queues (coroutine requests, posted continuations that carry their own state).
/// It travels in <see cref="Envelope.Callback"/> with <see cref="Invoker"/> as the envelope's invoker.
/// </summary>
internal abstract class LoopWorkItem
{
    /// <summary>The shared invoker for every work item.</summary>
    public static readonly EnvelopeInvoker Invoker = new WorkItemInvoker();

    /// <summary>Runs the item on the loop thread.</summary>
    public abstract void Execute();

    /// <summary>Names the user code behind the item for reports.</summary>
    public abstract string Describe();

    /// <summary>Wraps the item in an envelope.</summary>
    public Envelope ToEnvelope() => new(this, Invoker);

    private sealed class WorkItemInvoker : EnvelopeInvoker
    {
        public override void Invoke(in Envelope envelope) => ((LoopWorkItem)envelope.Callback).Execute();

        public override string Describe(in Envelope envelope) => ((LoopWorkItem)envelope.Callback).Describe();
    }
}
