'use strict';
// THE ONE PLACE where the local runtime answers SageMaker calls moto 5.2.5 gets wrong, following
// the SageMaker API reference. Everything else goes to moto unchanged. Each answer says who
// served it ("moto", "filler", or "moto+filler": moto's answer, corrected), and the per-request
// stats (extensions.http.servedBy) carry that, so tests can say which calls ran against what.
//
// - CreateTrainingJob: moto accepts a name that exists; SageMaker refuses it (ResourceInUse).
// - DescribeTrainingJob: moto reports Completed at once; here a job is InProgress (secondary
//   status Training) on its first Describe and moto's answer afterwards, and Stopped once a
//   StopTrainingJob was accepted.
// - StopTrainingJob: moto raises NotImplementedError; here it is accepted for a job that is
//   InProgress, refused (ValidationException) for one in another status and, for a job SageMaker
//   does not know, answered ResourceNotFound (HTTP 400), the error the API reference lists for it
//   (https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTrainingJob.html#API_StopTrainingJob_Errors).

const jobs = new Map(); // name -> { describes, stopped }

const state = (name) => {
  if (!jobs.has(name)) jobs.set(name, { describes: 0, stopped: false });
  return jobs.get(name);
};

const json = (statusCode, body) => ({ statusCode, headers: { 'content-type': 'application/x-amz-json-1.1' }, body: JSON.stringify(body) });
const error = (statusCode, type, message) => json(statusCode, { __type: type, message });

// `forward(target, body)` sends a SageMaker call to moto and resolves to {statusCode, body}.
async function sagemaker(target, body, forward) {
  const request = body ? JSON.parse(body) : {};
  const name = request.TrainingJobName;
  const describe = () => forward('SageMaker.DescribeTrainingJob', JSON.stringify({ TrainingJobName: name }));
  if (target === 'SageMaker.CreateTrainingJob') {
    const existing = await describe();
    if (existing.statusCode === 200) {
      return { servedBy: 'filler', response: error(400, 'ResourceInUse', `Training job names must be unique within an AWS account and region, and a training job with this name already exists (${JSON.parse(existing.body).TrainingJobArn})`) };
    }
    jobs.delete(name);
    return { servedBy: 'moto', response: await forward(target, body) };
  }
  if (target === 'SageMaker.DescribeTrainingJob') {
    const out = await describe();
    if (out.statusCode !== 200) return { servedBy: 'moto', response: out };
    const job = JSON.parse(out.body);
    const s = state(name);
    s.describes += 1;
    if (s.stopped) {
      Object.assign(job, { TrainingJobStatus: 'Stopped', SecondaryStatus: 'Stopped' });
    } else if (s.describes === 1) {
      Object.assign(job, { TrainingJobStatus: 'InProgress', SecondaryStatus: 'Training' });
      delete job.FinalMetricDataList;
    } else {
      return { servedBy: 'moto', response: out };
    }
    return { servedBy: 'moto+filler', response: json(200, job) };
  }
  if (target === 'SageMaker.StopTrainingJob') {
    const out = await describe();
    if (out.statusCode !== 200) return { servedBy: 'filler', response: error(400, 'ResourceNotFound', `Requested resource not found: training job ${name}`) };
    const s = state(name);
    if (s.stopped || s.describes > 1) {
      const status = s.stopped ? 'Stopped' : JSON.parse(out.body).TrainingJobStatus;
      return { servedBy: 'filler', response: error(400, 'ValidationException', `The request was rejected because the training job is in status ${status}.`) };
    }
    s.stopped = true;
    return { servedBy: 'filler', response: json(200, {}) };
  }
  return null;
}

// Returns {servedBy, response} when the filler answers (itself or by correcting moto), else null.
async function fill({ service, target, body, forward }) {
  if (service === 'sagemaker' && target && target.startsWith('SageMaker.')) return sagemaker(target, body, forward);
  return null;
}

module.exports = { fill, jobs };
