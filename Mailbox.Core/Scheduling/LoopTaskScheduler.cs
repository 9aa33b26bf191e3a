namespace Mailbox;

/// <summary>
/// A <see cref="TaskScheduler"/> that runs tasks on the loop thread, one at a time, as steps. Tasks may run inline only
/// when the caller is already on the loop thread.
/// </summary>
internal sealed class LoopTaskScheduler : TaskScheduler
{
    /// <summary>The loop.</summary>
    private readonly LoopActor _loop;

    /// <summary>Runs a task envelope through this scheduler's protected <see cref="TaskScheduler.TryExecuteTask"/>.</summary>
    private readonly TaskInvoker _invoker;

    public LoopTaskScheduler(LoopActor loop)
    {
        _loop = loop;
        _invoker = new TaskInvoker(this);
    }

    public override int MaximumConcurrencyLevel => 1;

    protected override void QueueTask(Task task) => _loop.EnqueueStep(new Envelope(task, _invoker));

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        _loop.IsOnLoopThread && TryExecuteTask(task);

    /// <summary>Queued tasks are not tracked one by one (they sit in the loop's lanes), so the debugger sees none.</summary>
    protected override IEnumerable<Task> GetScheduledTasks() => [];

    private sealed class TaskInvoker(LoopTaskScheduler scheduler) : EnvelopeInvoker
    {
        public override void Invoke(in Envelope envelope) => scheduler.TryExecuteTask((Task)envelope.Callback);

        public override string Describe(in Envelope envelope) => $"Task#{((Task)envelope.Callback).Id}";
    }
}
