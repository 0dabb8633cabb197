import { renderInTestApp, TestApiProvider } from '@backstage/frontend-test-utils';
import { fireEvent, screen, waitFor } from '@testing-library/react';
import { sandboxApiRef } from '../../api';
import { OllamaModelPicker } from './OllamaModelPicker';

function renderPicker(listOllamaModels: () => Promise<any>) {
  const onChange = jest.fn();
  const props: any = {
    onChange,
    formData: '',
    required: true,
    rawErrors: [],
    schema: { title: 'Model', description: 'Pick one' },
    idSchema: { $id: 'root_model' },
  };
  return {
    onChange,
    ...renderInTestApp(
      <TestApiProvider apis={[[sandboxApiRef, { listOllamaModels } as any]]}>
        <OllamaModelPicker {...props} />
      </TestApiProvider>,
    ),
  };
}

describe('OllamaModelPicker', () => {
  it('lists the endpoint models and reports the choice', async () => {
    const { onChange } = await renderPicker(async () => [
      { name: 'llama3.2:latest', size: 2 * 1024 ** 3 },
      { name: 'qwen2.5' },
    ]);
    const select = await screen.findByRole('button', { name: /Model/ });
    fireEvent.mouseDown(select);
    fireEvent.click(await screen.findByText('llama3.2:latest (2.0 GiB)'));
    expect(onChange).toHaveBeenCalledWith('llama3.2:latest');
    expect(screen.getByText('Pick one')).toBeInTheDocument();
  });

  it('falls back to a text field naming the problem when the list cannot be had', async () => {
    const { onChange } = await renderPicker(async () => {
      throw Object.assign(new Error('Request failed with 503'), { cause: { message: 'No Ollama endpoint is configured' } });
    });
    await waitFor(() => expect(screen.getByText(/No Ollama endpoint is configured/)).toBeInTheDocument());
    fireEvent.change(screen.getByRole('textbox'), { target: { value: 'mistral' } });
    expect(onChange).toHaveBeenCalledWith('mistral');
  });

  it('says so when the endpoint has no models', async () => {
    await renderPicker(async () => []);
    await waitFor(() => expect(screen.getByText(/has no models yet/)).toBeInTheDocument());
  });
});
